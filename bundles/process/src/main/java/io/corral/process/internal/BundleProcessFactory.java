package io.corral.process.internal;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One bundle's factory: spawns as that bundle and sees only that bundle's processes. */
final class BundleProcessFactory implements ProcessFactory {

    private final ProcessFactoryImpl table;
    private final long bundleId;

    BundleProcessFactory(ProcessFactoryImpl table, long bundleId) {
        this.table = table;
        this.bundleId = bundleId;
    }

    @Override
    public ManagedProcess spawn(SpawnSpec spec) throws SpawnException {
        return table.spawn(spec, bundleId);
    }

    @Override
    public void validate(SpawnSpec spec) throws SpawnException {
        table.validate(spec);
    }

    @Override
    public List<ManagedProcess> processes() {
        return table.processesOf(bundleId);
    }

    @Override
    public Optional<ManagedProcess> process(int pid) {
        return table.process(pid).filter(p -> p.ownerBundleId() == bundleId);
    }

    @Override
    public void stopAll(Duration grace) {
        table.stopAll(grace, bundleId);
    }

    @Override
    public String toString() {
        return "process factory of bundle " + bundleId;
    }
}
