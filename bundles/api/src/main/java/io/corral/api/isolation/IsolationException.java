package io.corral.api.isolation;

/**
 * A request a provider cannot carry out, or a failed step of creating a
 * process. The message names the step, the value and the rule or error text.
 */
public class IsolationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String step;
    private final int errno;

    public IsolationException(String step, int errno, String message) {
        super(message);
        this.step = step;
        this.errno = errno;
    }

    public IsolationException(String step, String message) {
        this(step, 0, message);
    }

    public String step() {
        return step;
    }

    /** The errno of a failed system call, or 0. */
    public int errno() {
        return errno;
    }
}
