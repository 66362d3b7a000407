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
 * <p><b>Ownership.</b> The factory is a bundle-scoped service: each bundle
 * that gets it has a factory of its own, and {@link #processes()},
 * {@link #process(int)} and {@link #stopAll(Duration)} see only the processes
 * that bundle spawned. When the bundle stops, or releases its factory (ungets
 * the service) while the factory is still registered, each of its live
 * processes gets the quit sequence ({@link ManagedProcess#destroy()}),
 * whatever other bundles use the factory. The processes of every bundle are
 * listed, for operators, by {@link ProcessAdmin}.
 *
 * <p><b>Lifecycle.</b> The factory is registered only while it can spawn: an
 * isolation provider and the credential service are present. Its service
 * properties say what the provider offers: {@value #PLATFORM_PROPERTY},
 * {@value #NAMESPACES_PROPERTY} and {@value #FEATURES_PROPERTY}. When it is
 * withdrawn because one of them went (or because the process bundle is
 * updated or refreshed), running processes keep running and supervised; the
 * factory a bundle gets once it is back lists them again, with the same pids.
 * {@link ManagedProcess} objects got before an update of the process bundle
 * stop following their process: ask {@link #process(int)} again. When the
 * framework stops, every process gets the quit sequence.
 *
 * <p>Guarantees: the spec is validated (credentials, namespaces, id maps,
 * executable) before anything is created; the child does not run its program
 * before the parent's half of the handshake is done; exits are seen without a
 * thread per child; no exited child is left a zombie.
 */
@ProviderType
public interface ProcessFactory {

    /** Service property: the platform of the isolation provider in use, e.g. {@code linux-clone}. @since 3.0 */
    String PLATFORM_PROPERTY = "corral.platform";

    /** Service property: the namespaces it can create, by key ({@code credential}, {@code pid}, ...). @since 3.0 */
    String NAMESPACES_PROPERTY = "corral.namespaces";

    /** Service property: the resource features the provider has ({@code memory_max}, ...). @since 3.0 */
    String FEATURES_PROPERTY = "corral.features";

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

    /**
     * Every process this bundle spawned that is tracked, the exited ones still
     * remembered included, oldest first.
     */
    List<ManagedProcess> processes();

    /** This bundle's process with that pid (the newest, if the pid was used twice). */
    Optional<ManagedProcess> process(int pid);

    /**
     * Stops every live process of this bundle with {@link ManagedProcess#stop(StopOptions)},
     * {@code grace} for both timeouts: QUIT or SIGTERM, then the escalation.
     * A process whose stop is under way already keeps its own timers. Returns
     * once every exit was seen, or when even SIGKILL was not seen to end a
     * process within a few seconds.
     */
    void stopAll(Duration grace);
}
