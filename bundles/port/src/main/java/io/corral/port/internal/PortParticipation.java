package io.corral.port.internal;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Participation;
import io.corral.api.process.Readiness;
import io.corral.api.process.SpawnSpec;
import io.corral.posix.Posix;
import io.corral.worker.Worker;
import java.util.Map;

/**
 * One spawn's port: a socketpair whose child end becomes the child's
 * descriptor {@code firstDescriptor}, announced in the environment.
 */
final class PortParticipation implements Participation {

    private final PortRegistryImpl registry;
    private final SpawnSpec spec;
    private final int mainEnd;
    private final int childEnd;
    private final int stream;
    private final Map<String, String> environment;
    /** Set in {@link #started}: whose port this is. */
    private volatile ManagedProcess process;

    PortParticipation(PortRegistryImpl registry, SpawnSpec spec, int[] pair, int stream, int firstDescriptor,
            int mainPid) {
        this.registry = registry;
        this.spec = spec;
        this.mainEnd = pair[0];
        this.childEnd = pair[1];
        this.stream = stream;
        this.environment = Map.of(
            Worker.PORT_FD, Integer.toString(firstDescriptor),
            Worker.STREAM, Integer.toUnsignedString(stream),
            Worker.PID_TYPE, Matrices.name(spec.type()),
            Worker.MAIN_PID, Integer.toString(mainPid));
    }

    @Override
    public int[] descriptors() {
        return new int[] {childEnd};
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public boolean announcesReadiness() {
        return spec.readiness() == Readiness.PORT;
    }

    @Override
    public void started(ManagedProcess process, Runnable ready) {
        // The child has its copy; main keeps only its own end.
        Posix.closeQuietly(childEnd);
        this.process = process;
        registry.attach(process, spec.type(), stream, mainEnd, ready);
    }

    /** QUIT on the port, when the process said PROCESS_READY there: only then does it read it. */
    @Override
    public boolean quit() {
        ManagedProcess p = process;
        return p != null && registry.quitIfReady(p);
    }

    @Override
    public void failed() {
        Posix.closeQuietly(childEnd);
        Posix.closeQuietly(mainEnd);
    }

    @Override
    public String toString() {
        return "port of " + spec.name();
    }
}
