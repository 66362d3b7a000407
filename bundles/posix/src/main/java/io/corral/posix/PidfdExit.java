package io.corral.posix;

import java.io.Closeable;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Waits for a process to be reaped, and learns its exit status, through a
 * pidfd, without being its parent (Linux 6.15+: {@code PIDFD_GET_INFO} with
 * {@code PIDFD_INFO_EXIT}). The parent reaps; this only watches, on the
 * waiting thread itself, so no other thread has to hand the status over.
 *
 * <p>The pidfd stays its owner's, who must keep it open until the watch is
 * closed. A watch is used by one thread at a time; closed, its epoll
 * instance waits for the next watch, so that waiting costs no descriptor
 * created and closed each time.
 */
public final class PidfdExit implements Closeable {

    /** {@link #await} result: not reaped within the time given. */
    public static final int NOT_YET = -1;
    /** {@link #await} result: this kernel cannot say (older than 6.15); wait another way. */
    public static final int UNSUPPORTED = -2;

    private static final int EPOLL_CTL_DEL = 2;
    /** Idle watches kept for reuse: about as many as threads wait at once. */
    private static final int POOLED = 8;
    private static final java.util.concurrent.ConcurrentLinkedDeque<PidfdExit> IDLE =
        new java.util.concurrent.ConcurrentLinkedDeque<>();
    private static final int EPOLL_CLOEXEC = 02000000;
    private static final int EPOLL_CTL_ADD = 1;
    // Edge-triggered, so that we sleep between the two events of a pidfd:
    // readable at the exit, hung up at the reap, when the status is recorded.
    // Waking at the exit too is deliberate: measured, the waiter then wakes
    // sooner at the reap (its CPU has not gone back to deep idle) than when
    // it asks for the hang-up alone.
    private static final int EPOLLIN_ET = 0x001 | (1 << 31);
    private static final int ENOTTY = 25;
    // struct pidfd_info (include/uapi/linux/pidfd.h): mask at 0, exit_code at 60; 72 bytes (VER1).
    private static final int INFO_SIZE = 72;
    private static final int EXIT_CODE_OFFSET = 60;
    private static final long INFO_EXIT = 1L << 3;
    /** _IOWR(0xFF, 11, struct pidfd_info): read/write, size 72, type 0xFF, number 11. */
    private static final long PIDFD_GET_INFO = (3L << 30) | ((long) INFO_SIZE << 16) | (0xFFL << 8) | 11;

    private static volatile boolean unsupported = !Posix.hasPidfd();

    private final int epfd;
    private final Pointer buffer;
    private int pidfd = -1;

    private PidfdExit(int epfd) {
        this.epfd = epfd;
        this.buffer = Memory.allocateDirect(Posix.RUNTIME, INFO_SIZE, true);
    }

    /** Whether this kernel has been found unable to report exits through a pidfd. */
    public static boolean knownUnsupported() {
        return unsupported;
    }

    /** Starts watching the process {@code pidfd} refers to; keep {@code pidfd} open until {@link #close}. */
    public static PidfdExit watch(int pidfd) throws PosixException {
        PidfdExit w = IDLE.pollFirst();
        if (w == null) {
            w = new PidfdExit((int) Posix.check(Posix.LIBC.epoll_create1(EPOLL_CLOEXEC), "epoll_create1"));
        }
        w.buffer.putInt(0, EPOLLIN_ET);
        if (Posix.LIBC.epoll_ctl(w.epfd, EPOLL_CTL_ADD, pidfd, w.buffer) == -1) {
            PosixException e = new PosixException("epoll_ctl ADD pidfd " + pidfd, Posix.errno());
            w.release();
            throw e;
        }
        w.pidfd = pidfd;
        return w;
    }

    /**
     * Waits up to {@code timeoutMillis} for the process to be reaped and
     * returns its wait(2) status, or {@link #NOT_YET}, or {@link #UNSUPPORTED}.
     */
    public int await(int timeoutMillis) throws PosixException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            int status = status();
            if (status != NOT_YET) {
                return status;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0 && timeoutMillis >= 0) {
                return NOT_YET;
            }
            // The exit, the reap, or a signal: ask again.
            if (Posix.LIBC.epoll_wait(epfd, buffer, 1, (int) Math.max(left, 1)) == -1
                    && Posix.errno() != Posix.EINTR) {
                throw new PosixException("epoll_wait on pidfd", Posix.errno());
            }
        }
    }

    /** The exit status if the process has been reaped, else NOT_YET or UNSUPPORTED. */
    private int status() throws PosixException {
        for (int attempt = 0; !unsupported; attempt++) {
            buffer.putLong(0, INFO_EXIT);
            if (Posix.LIBC.ioctl(pidfd, PIDFD_GET_INFO, buffer) != -1) {
                return (buffer.getLong(0) & INFO_EXIT) != 0 ? buffer.getInt(EXIT_CODE_OFFSET) : NOT_YET;
            }
            int errno = Posix.errno();
            // ESRCH once: the process was being reaped during the call (the
            // kernel records the exit before it unhashes the pid), so asking
            // again finds the status. ESRCH again: a kernel that records no
            // exit (6.13, 6.14). ENOTTY/EINVAL: no PIDFD_GET_INFO (before 6.13).
            if (errno == Posix.ESRCH && attempt == 0) {
                continue;
            }
            if (errno == ENOTTY || errno == Posix.EINVAL || errno == Posix.ESRCH) {
                unsupported = true;
                break;
            }
            throw new PosixException("ioctl PIDFD_GET_INFO", errno);
        }
        return UNSUPPORTED;
    }

    /** Stops watching; the pidfd may be closed from now on. */
    @Override
    public void close() {
        if (pidfd >= 0) {
            Posix.LIBC.epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, buffer);
            pidfd = -1;
            release();
        }
    }

    private void release() {
        if (IDLE.size() < POOLED) {
            IDLE.addFirst(this);
        } else {
            Posix.closeQuietly(epfd);
        }
    }
}
