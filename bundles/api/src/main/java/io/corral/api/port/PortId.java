package io.corral.api.port;

/**
 * A port's identity: the pid of the process that owns it (as the container
 * sees it) and the port's number within that process. Every process has one
 * port today, number {@link #FIRST}.
 */
public final class PortId {

    /** The number of a process's first (today: only) port. */
    public static final int FIRST = 0;

    private final int pid;
    private final int id;

    public PortId(int pid, int id) {
        this.pid = pid;
        this.id = id;
    }

    /** The pid of the process that owns the port, as the container sees it. */
    public int pid() {
        return pid;
    }

    /** The port's number within its process. */
    public int id() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortId p && p.pid == pid && p.id == id;
    }

    @Override
    public int hashCode() {
        return pid * 31 + id;
    }

    /** {@code PID:ID}. */
    @Override
    public String toString() {
        return pid + ":" + id;
    }
}
