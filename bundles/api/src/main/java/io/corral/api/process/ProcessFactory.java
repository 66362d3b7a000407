package io.corral.api.process;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Creates and supervises processes. The factory uses the highest-ranked
 * {@link io.corral.api.isolation.IsolationProvider} present and follows it
 * when providers come and go; processes already running stay supervised.
 *
 * <p>Guarantees: the spec is validated (credentials, namespaces, id maps,
 * executable) before anything is created; the child does not run its program
 * before the parent's half of the handshake is done; exits are seen without a
 * thread per child; no exited child is left a zombie.
 */
@ProviderType
public interface ProcessFactory {

    ManagedProcess spawn(SpawnSpec spec) throws SpawnException;

    /**
     * Makes every check {@link #spawn} makes before it creates anything
     * (provider, executable, working directory, user and group, isolation
     * rules) and creates nothing. A spec that passes can still fail to spawn
     * later, when the system changes in between or the child fails.
     *
     * @throws SpawnException naming the value and the rule, as spawn would
     * @since 1.1
     */
    void validate(SpawnSpec spec) throws SpawnException;

    /** Every tracked process, the exited ones still remembered included, oldest first. */
    List<ManagedProcess> processes();

    Optional<ManagedProcess> process(int pid);

    /**
     * Stops every live process with {@link ManagedProcess#stop(StopOptions)},
     * {@code grace} for both timeouts: QUIT or SIGTERM, then the escalation.
     * A process whose stop is under way already keeps its own timers. Returns
     * once every exit was seen, or when even SIGKILL was not seen to end a
     * process within a few seconds.
     */
    void stopAll(Duration grace);
}
