package io.corral.posix;

/** A failed C library call: the message is {@code CALL: ERROR TEXT}, e.g. {@code socketpair: Too many open files}. */
public class PosixException extends java.io.IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public PosixException(String call, int errno) {
        super(call + ": " + Posix.strerror(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
