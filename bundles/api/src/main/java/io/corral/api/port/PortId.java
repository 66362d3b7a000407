package io.corral.api.port;

/**
 * A port's identity: the pid of the process that owns it (as the container
 * sees it) and the port's number within that process. Every process has one
 * port today, number {@link #FIRST}.
 */
public record PortId(int pid, int id) {

    /** The number of a process's first (today: only) port. */
    public static final int FIRST = 0;

    @Override
    public String toString() {
        return pid + ":" + id;
    }
}
