package io.corral.api.isolation;

import org.osgi.annotation.versioning.ConsumerType;

/** Told by a provider when a process it watches has ended. Called from the provider's one reader thread. */
@ConsumerType
public interface ExitHandler {

    /**
     * @param pid    the pid that ended
     * @param code   its exit code, or -1 when killed or unknown
     * @param signal the signal that killed it, or 0
     * @param known  false when the status could not be learned
     */
    void exited(int pid, int code, int signal, boolean known);

    /**
     * As {@link #exited(int, int, int, boolean)}, and whether the kernel's OOM
     * killer killed a process of its cgroup.
     *
     * @since 2.0
     */
    default void exited(int pid, int code, int signal, boolean known, boolean oomKilled) {
        exited(pid, code, signal, known);
    }
}
