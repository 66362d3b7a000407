package io.corral.api.process;

/**
 * A spawn failed. The message is meant for an operator: it names the step,
 * the value and, for a failed system call, the error text, e.g.
 * {@code writing uid_map for pid 123: Invalid argument}. When this is thrown,
 * nothing the spawn created is left: no process, no zombie, no descriptor.
 */
public class SpawnException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final int errno;

    public SpawnException(String step, int errno, String message) {
        super(message);
        this.step = step;
        this.errno = errno;
    }

    public SpawnException(String step, String message) {
        this(step, 0, message);
    }

    /** The step that failed, e.g. {@code validate}, {@code execve}, {@code writing uid_map}. */
    public String step() {
        return step;
    }

    /** The errno of the failed system call, or 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
