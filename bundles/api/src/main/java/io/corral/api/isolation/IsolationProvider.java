package io.corral.api.isolation;

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
}
