package io.corral.api.isolation;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A way to create processes on a platform: {@code linux-clone} (clone(2) with
 * namespaces) or {@code fork} (any POSIX system, no namespaces).
 *
 * <p>Register with {@code service.ranking}; the highest-ranked provider is
 * used for new processes. Guarantees:
 * <ul>
 * <li>{@link #validate} refuses, before anything is created, every request the
 *     provider cannot carry out: unsupported namespaces, maps without a
 *     credential namespace, overlapping, empty or out-of-range map entries,
 *     and maps that break the privileged or unprivileged rules of Unit;</li>
 * <li>{@link #launch} returns only once the program was executed; the child
 *     does not run it before the parent's half of the handshake is done; on
 *     failure the child is gone and reaped and the exception names the step;</li>
 * <li>every launched or adopted process is watched until its exit, reported
 *     once to the handler, and never left a zombie;</li>
 * <li>when the container's JVM dies, every process the provider watches is killed.</li>
 * </ul>
 */
@ProviderType
public interface IsolationProvider {

    /** Service property with the platform name. */
    String PLATFORM_PROPERTY = "corral.platform";

    /** {@code linux-clone} or {@code fork}. */
    String platform();

    Set<Namespace> supportedNamespaces();

    /**
     * Checks a request for a child with the given target credential (null:
     * the container's own, which a credential namespace refuses: there the
     * child always takes mapped ids) against this provider and host. Returns the request
     * with the default maps filled in where a credential namespace has none.
     */
    IsolationRequest validate(IsolationRequest request, io.corral.api.credential.Credential target, Host host)
        throws IsolationException;

    /**
     * Creates and executes a process that {@link #validate} accepted for the
     * same host; exits go to {@code handler}.
     */
    Launched launch(Launch launch, Host host, ExitHandler handler) throws IsolationException;

    /**
     * Watches a process that another provider (or an earlier helper of this
     * one) created. The pidfd stays the caller's.
     */
    void adopt(int pid, int pidfd, ExitHandler handler) throws IsolationException;

    /**
     * The handler of a watched process is going away (the process bundle is
     * updated or restarted) while the process goes on: keep watching it, and
     * hold its exit until {@link #adopt} names the pid again, which then
     * hands the held exit (or the next one) to the new handler and does not
     * watch the process twice. The pidfd stays open: it is the caller's. False
     * when this provider cannot hold exits; the caller then stops the process.
     *
     * @since 3.0
     */
    default boolean release(int pid) {
        return false;
    }

    /**
     * What this provider can do for {@link Resources} on this host, by feature
     * ({@code tracking}, {@code memory_max}, {@code pids_max}, {@code cpu_max},
     * {@code rlimits}, {@code cgroup_path}): "yes, ..." with how, or "no: ..."
     * with why.
     *
     * @since 2.0
     */
    default Map<String, String> resourceFeatures() {
        return Map.of();
    }

    /**
     * Refuses, before anything is created, resources this provider cannot
     * give on this host, naming the limit and why.
     *
     * @since 2.0
     */
    default void checkResources(Resources resources) throws IsolationException {
        if (!resources.isDefault()) {
            throw new IsolationException("validate", "the " + platform() + " provider sets no resource limits");
        }
    }

    /**
     * Refuses, before anything is created, a file system this provider cannot
     * give: mounts without the mount namespace, a root that is not a directory.
     *
     * @since 2.0
     */
    default void checkFilesystem(Filesystem filesystem, IsolationRequest isolation) throws IsolationException {
        if (!filesystem.isDefault()) {
            throw new IsolationException("validate", "the " + platform() + " provider makes no mounts");
        }
    }

    /**
     * What the cgroup of a process this provider created holds and uses now;
     * empty where it has none.
     *
     * @since 2.0
     */
    default Optional<ResourceUsage> usage(int pid) {
        return Optional.empty();
    }
}
