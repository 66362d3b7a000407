package io.corral.posix;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Reads and writes on a non-blocking descriptor (a pipe end the spawn server
 * handed over), and waits for one to become ready. Each thread copies through
 * a native buffer of its own, allocated once.
 */
public final class PipeIo {

    /** The most one call moves: a pipe's default capacity. */
    public static final int CHUNK = 65536;
    private static final short POLLIN = 0x001;
    private static final short POLLOUT = 0x004;
    private static final ThreadLocal<Pointer> SCRATCH =
        ThreadLocal.withInitial(() -> Memory.allocateDirect(Posix.RUNTIME, CHUNK + 8, false));

    private PipeIo() {
    }

    /**
     * Reads up to {@code len} bytes (at most {@link #CHUNK}) into {@code b}.
     *
     * @return the number read; -1 at end of file; 0 when nothing is there now
     */
    public static int read(int fd, byte[] b, int off, int len) throws PosixException {
        Pointer scratch = SCRATCH.get();
        int n = Math.min(len, CHUNK);
        while (true) {
            long r = Posix.LIBC.read(fd, scratch, n);
            if (r > 0) {
                scratch.get(0, b, off, (int) r);
                return (int) r;
            }
            if (r == 0) {
                return n == 0 ? 0 : -1;
            }
            int errno = Posix.errno();
            if (errno == Posix.EAGAIN) {
                return 0;
            }
            if (errno != Posix.EINTR) {
                throw new PosixException("read fd " + fd, errno);
            }
        }
    }

    /**
     * Writes up to {@code len} bytes (at most {@link #CHUNK}) of {@code b}.
     *
     * @return the number written; 0 when the pipe is full now
     * @throws PosixException EPIPE once the reading side is gone
     */
    public static int write(int fd, byte[] b, int off, int len) throws PosixException {
        Pointer scratch = SCRATCH.get();
        int n = Math.min(len, CHUNK);
        scratch.put(0, b, off, n);
        while (true) {
            long r = Posix.LIBC.write(fd, scratch, n);
            if (r >= 0) {
                return (int) r;
            }
            int errno = Posix.errno();
            if (errno == Posix.EAGAIN) {
                return 0;
            }
            if (errno != Posix.EINTR) {
                throw new PosixException("write fd " + fd, errno);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for {@code fd} to be readable
     * ({@code output} false) or writable; a hang-up or error counts as ready.
     *
     * @return whether it is ready
     */
    public static boolean await(int fd, boolean output, int timeoutMillis) throws PosixException {
        Pointer pollfd = SCRATCH.get();
        pollfd.putInt(0, fd);
        pollfd.putShort(4, output ? POLLOUT : POLLIN);
        pollfd.putShort(6, (short) 0);
        int r = Posix.LIBC.poll(pollfd, 1, timeoutMillis);
        if (r < 0) {
            int errno = Posix.errno();
            if (errno == Posix.EINTR) {
                return false;
            }
            throw new PosixException("poll fd " + fd, errno);
        }
        return r > 0;
    }
}
