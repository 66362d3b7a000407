package io.corral.posix;

import java.io.Closeable;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;

/**
 * An epoll instance (Linux): one thread waits for many descriptors, each
 * registered with a caller-chosen token. Level-triggered; readability, and
 * writability where asked for.
 * {@link #await} is for one thread; {@link #add}, {@link #remove} and
 * {@link #wakeup} may be called from any thread. Native buffers are allocated
 * once.
 */
public final class Epoll implements Closeable {

    /** Readable, or the peer closed (EPOLLHUP and EPOLLERR are always reported). */
    public static final int IN = 0x001;
    /** Writable (a pipe's write end with room): asked for with {@link #add(int, long, int)}. */
    public static final int OUT = 0x004;
    public static final int ERR = 0x008;
    public static final int HUP = 0x010;

    private static final int EPOLL_CLOEXEC = 02000000;
    private static final int O_NONBLOCK = 04000;
    private static final int CTL_ADD = 1;
    private static final int CTL_DEL = 2;
    private static final int CTL_MOD = 3;
    private static final int ONESHOT = 1 << 30;
    /** The token of the wake-up pipe; callers never see it. */
    private static final long WAKE = Long.MIN_VALUE;
    // struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16).
    private static final boolean PACKED = Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64;
    private static final int EVENT_SIZE = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;

    private final int epfd;
    private final int[] wakePipe;
    private final int capacity;
    private final Pointer events;
    private final Pointer control;
    private final Pointer drain;
    private final long[] tokens;
    private final int[] ready;
    private volatile boolean closed;

    private Epoll(int epfd, int[] wakePipe, int capacity) {
        this.epfd = epfd;
        this.wakePipe = wakePipe;
        this.capacity = capacity;
        this.events = Memory.allocateDirect(Posix.RUNTIME, (long) EVENT_SIZE * capacity, true);
        this.control = Memory.allocateDirect(Posix.RUNTIME, EVENT_SIZE, true);
        this.drain = Memory.allocateDirect(Posix.RUNTIME, 64, false);
        this.tokens = new long[capacity];
        this.ready = new int[capacity];
    }

    /** An epoll instance that reports up to {@code capacity} descriptors per {@link #await}. */
    public static Epoll create(int capacity) throws PosixException {
        int epfd = (int) Posix.check(Posix.LIBC.epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
        // Non-blocking: a burst of wake-ups must never block the caller on a full pipe.
        int[] pipe = new int[2];
        if (Posix.LIBC.pipe2(pipe, Posix.O_CLOEXEC | O_NONBLOCK) == -1) {
            PosixException e = new PosixException("pipe2", Posix.errno());
            Posix.closeQuietly(epfd);
            throw e;
        }
        Epoll e = new Epoll(epfd, pipe, capacity);
        try {
            e.add(pipe[0], WAKE);
        } catch (PosixException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    /** Watches {@code fd} for input; {@link #token} reports {@code token} when it is ready. */
    public void add(int fd, long token) throws PosixException {
        ctl(CTL_ADD, "ADD", fd, token, IN);
    }

    /** Watches {@code fd} for {@code events} ({@link #IN}, {@link #OUT} or both). */
    public void add(int fd, long token, int events) throws PosixException {
        ctl(CTL_ADD, "ADD", fd, token, events);
    }

    /** Changes the events {@code fd} is watched for; 0 keeps it registered for hang-ups and errors only. */
    public void modify(int fd, long token, int events) throws PosixException {
        ctl(CTL_MOD, "MOD", fd, token, events);
    }

    /**
     * Keeps {@code fd} registered but stops reporting its input until
     * {@link #enable}: for a while in which another thread reads it. A hang-up
     * or error is still reported, once (the kernel always watches for them;
     * one-shot then disables the descriptor). Cheaper than {@link #remove}
     * and {@link #add}: EPOLL_CTL_MOD allocates nothing in the kernel.
     */
    public void disable(int fd, long token) throws PosixException {
        ctl(CTL_MOD, "MOD (disable)", fd, token, ONESHOT);
    }

    /** Reports {@code fd} again after {@link #disable}; input already waiting is reported at once. */
    public void enable(int fd, long token) throws PosixException {
        ctl(CTL_MOD, "MOD (enable)", fd, token, IN);
    }

    /** One epoll_ctl ADD or MOD; {@code what} names it in errors. */
    private void ctl(int op, String what, int fd, long token, int events) throws PosixException {
        synchronized (control) {
            if (closed) {
                throw new PosixException("epoll_ctl " + what + " fd " + fd + ": the epoll instance is closed",
                    Posix.EBADF);
            }
            control.putInt(0, events);
            control.putLong(DATA_OFFSET, token);
            Posix.check(Posix.LIBC.epoll_ctl(epfd, op, fd, control), "epoll_ctl " + what + " fd " + fd);
        }
    }

    /**
     * Stops watching {@code fd}; call before closing it. Quiet: the descriptor
     * may be gone already, and so may the instance (its number must not be
     * used once closed: it may belong to something else by now).
     */
    public void remove(int fd) {
        synchronized (control) {
            if (!closed) {
                Posix.LIBC.epoll_ctl(epfd, CTL_DEL, fd, control);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: for ever) and returns how many
     * descriptors are ready; 0 after a timeout, a signal or a {@link #wakeup}.
     */
    public int await(int timeoutMillis) throws PosixException {
        int n = Posix.LIBC.epoll_wait(epfd, events, capacity, timeoutMillis);
        if (n == -1) {
            int errno = Posix.errno();
            if (errno == Posix.EINTR) {
                return 0;
            }
            throw new PosixException("epoll_wait", errno);
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            long offset = (long) EVENT_SIZE * i;
            long token = events.getLong(offset + DATA_OFFSET);
            if (token == WAKE) {
                Posix.LIBC.read(wakePipe[0], drain, 64);
                continue;
            }
            tokens[count] = token;
            ready[count] = events.getInt(offset);
            count++;
        }
        return count;
    }

    /** The token of the i-th ready descriptor of the last {@link #await}. */
    public long token(int i) {
        return tokens[i];
    }

    /** The events ({@link #IN}, {@link #HUP}, {@link #ERR}) of the i-th ready descriptor. */
    public int events(int i) {
        return ready[i];
    }

    /** Makes a waiting {@link #await} return; safe from any thread. */
    public void wakeup() {
        synchronized (control) {
            if (!closed) {
                Posix.LIBC.write(wakePipe[1], control, 1);
            }
        }
    }

    /** Closes the instance; call it once the thread that waits in {@link #await} has returned. */
    @Override
    public void close() {
        synchronized (control) {
            if (!closed) {
                closed = true;
                Posix.closeQuietly(wakePipe[0]);
                Posix.closeQuietly(wakePipe[1]);
                Posix.closeQuietly(epfd);
            }
        }
    }
}
