package io.corral.api.isolation;

import java.util.Arrays;

/** A process a provider created and executed. */
public final class Launched {

    private static final int[] NO_STREAMS = {-1, -1, -1};

    private final int pid;
    private final int isolatedPid;
    private final int pidfd;
    private final int[] streams;

    /**
     * @param pid         pid in the container's namespace
     * @param isolatedPid the program's pid inside its own pid namespace (2 there, under
     *                    the provider's init), else pid
     * @param pidfd       a pidfd owned by the caller (close-on-exec), or -1 where the
     *                    platform has none; it identifies the process without pid reuse races
     * @param streams     Corral's ends of the pipes {@link Launch#PIPE} asked for, owned by the
     *                    caller, non-blocking and close-on-exec: stdin's write end, stdout's and
     *                    stderr's read ends, -1 where that stream is no pipe; null for none (since 3.0)
     */
    public Launched(int pid, int isolatedPid, int pidfd, int[] streams) {
        this.pid = pid;
        this.isolatedPid = isolatedPid;
        this.pidfd = pidfd;
        this.streams = streams == null ? NO_STREAMS.clone() : streams.clone();
        if (this.streams.length != 3) {
            throw new IllegalArgumentException("streams: 3 entries (stdin, stdout, stderr), not " + streams.length);
        }
    }

    /** A process without pipes. */
    public Launched(int pid, int isolatedPid, int pidfd) {
        this(pid, isolatedPid, pidfd, null);
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

    /** A copy of Corral's pipe ends: stdin's write end, stdout's and stderr's read ends, -1 where none (since 3.0). */
    public int[] streams() {
        return streams.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Launched l && l.pid == pid && l.isolatedPid == isolatedPid && l.pidfd == pidfd
            && Arrays.equals(l.streams, streams);
    }

    @Override
    public int hashCode() {
        return ((pid * 31 + isolatedPid) * 31 + pidfd) * 31 + Arrays.hashCode(streams);
    }

    @Override
    public String toString() {
        return "Launched[pid=" + pid + ", isolatedPid=" + isolatedPid + ", pidfd=" + pidfd + ", streams="
            + Arrays.toString(streams) + "]";
    }
}
