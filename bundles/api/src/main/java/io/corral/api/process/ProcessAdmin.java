package io.corral.api.process;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The operator's view of every process the process factory tracks, whichever
 * bundle spawned it: what the shell's {@code corral:ps} and
 * {@code corral:kill} use. A bundle that spawns uses its own
 * {@link ProcessFactory} instead, which sees only its own processes.
 *
 * @since 3.0
 */
@ProviderType
public interface ProcessAdmin {

    /** Every tracked process, the exited ones still remembered included, oldest first. */
    List<ManagedProcess> processes();

    /** The process with that pid (the newest, if the pid was used twice). */
    Optional<ManagedProcess> process(int pid);

    /** The processes the bundle with this id spawned, oldest first. */
    List<ManagedProcess> processesOf(long bundleId);

    /**
     * As {@link ProcessFactory#stopAll(Duration)}, for every bundle's
     * processes.
     */
    void stopAll(Duration grace);
}
