package io.corral.api.process;

/**
 * When a process counts as {@link ProcessState#READY}, as in Unit where a
 * process is ready once it says so on its port.
 */
public enum Readiness {
    /** Ready once its program was executed: plain executables such as {@code /bin/sleep}. */
    EXEC,
    /**
     * Ready when it sends PROCESS_READY on its port: programs that speak the
     * port protocol (the worker library sends it). Until then it is RUNNING.
     * Without a port service to hear it, the process is ready at exec.
     */
    PORT
}
