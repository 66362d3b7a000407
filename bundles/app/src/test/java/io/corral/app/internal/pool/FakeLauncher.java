package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.SpawnException;
import io.corral.app.internal.config.AppConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Hands out fake processes with increasing pids; can be told to fail, or to hand out processes that crash. */
final class FakeLauncher implements Launcher {

    final List<FakeProcess> launched = new ArrayList<>();
    String failWith;
    boolean crashAtOnce;
    Set<Integer> deadly = Set.of(15, 9);
    /** Whether its processes are ready at once, or still starting until a test says otherwise. */
    boolean startReady = true;
    /** Whether the processes it hands out speak the port protocol (their stop begins with QUIT). */
    boolean speaksPort;
    private int nextPid = 100;

    @Override
    public ManagedProcess launch(AppConfig app) throws SpawnException {
        if (failWith != null) {
            throw new SpawnException("validate", failWith);
        }
        FakeProcess p = new FakeProcess(nextPid++, deadly);
        p.speaksPort = speaksPort;
        p.ready = startReady;
        launched.add(p);
        if (crashAtOnce) {
            p.exit(1);
        }
        return p;
    }

    List<FakeProcess> alive() {
        return launched.stream().filter(FakeProcess::alive).toList();
    }
}
