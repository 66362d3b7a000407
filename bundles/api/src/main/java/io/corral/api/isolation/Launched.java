package io.corral.api.isolation;

/** A process a provider created and executed. */
public final class Launched {

    private final int pid;
    private final int isolatedPid;
    private final int pidfd;

    /**
     * @param pid         pid in the container's namespace
     * @param isolatedPid the program's pid inside its own pid namespace (2 there, under
     *                    the provider's init), else pid
     * @param pidfd       a pidfd owned by the caller (close-on-exec), or -1 where the
     *                    platform has none; it identifies the process without pid reuse races
     */
    public Launched(int pid, int isolatedPid, int pidfd) {
        this.pid = pid;
        this.isolatedPid = isolatedPid;
        this.pidfd = pidfd;
    }

    /** The pid in the container's namespace. */
    public int pid() {
        return pid;
    }

    /** The program's pid inside its own pid namespace (2 there, under the provider's init), else {@link #pid()}. */
    public int isolatedPid() {
        return isolatedPid;
    }

    /** A pidfd owned by the caller (close-on-exec), or -1 where the platform has none. */
    public int pidfd() {
        return pidfd;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Launched l && l.pid == pid && l.isolatedPid == isolatedPid && l.pidfd == pidfd;
    }

    @Override
    public int hashCode() {
        return (pid * 31 + isolatedPid) * 31 + pidfd;
    }

    @Override
    public String toString() {
        return "Launched[pid=" + pid + ", isolatedPid=" + isolatedPid + ", pidfd=" + pidfd + "]";
    }
}
