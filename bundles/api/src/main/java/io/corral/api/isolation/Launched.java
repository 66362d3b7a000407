package io.corral.api.isolation;

/**
 * A process a provider created and executed.
 *
 * @param pid         pid in the container's namespace
 * @param isolatedPid the program's pid inside its own pid namespace (2 there, under
 *                    the provider's init), else pid
 * @param pidfd       a pidfd owned by the caller (close-on-exec), or -1 where the
 *                    platform has none; it identifies the process without pid reuse races
 * @param streams     Corral's ends of the pipes {@link Launch#PIPE} asked for, owned by the
 *                    caller, non-blocking and close-on-exec: stdin's write end, stdout's and
 *                    stderr's read ends, -1 where that stream is no pipe (since 3.0)
 */
public record Launched(int pid, int isolatedPid, int pidfd, int[] streams) {

    private static final int[] NO_STREAMS = {-1, -1, -1};

    public Launched {
        streams = streams == null ? NO_STREAMS.clone() : streams.clone();
        if (streams.length != 3) {
            throw new IllegalArgumentException("streams: 3 entries (stdin, stdout, stderr), not " + streams.length);
        }
    }

    /** A process without pipes. */
    public Launched(int pid, int isolatedPid, int pidfd) {
        this(pid, isolatedPid, pidfd, null);
    }

    @Override
    public int[] streams() {
        return streams.clone();
    }
}
