package io.corral.posix;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import com.kenai.jffi.MemoryIO;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * One end of an AF_UNIX SOCK_SEQPACKET socket: datagrams with boundaries, in
 * order, each with up to {@link #MAX_DESCRIPTORS} descriptors (SCM_RIGHTS).
 * Sending is safe from many threads (each datagram goes out whole); receiving
 * is for one reader thread at a time. Native buffers are per thread, not per
 * socket or message.
 */
public final class SeqPacketSocket implements Closeable {

    /** The largest datagram Corral sends. */
    public static final int MAX_PACKET = 256 * 1024;
    public static final int MAX_DESCRIPTORS = 16;

    // struct msghdr, iovec and cmsghdr on Linux LP64 (x86_64, aarch64).
    private static final int MSGHDR_SIZE = 56;
    private static final int OFF_IOV = 16;
    private static final int OFF_IOVLEN = 24;
    private static final int OFF_CONTROL = 32;
    private static final int OFF_CONTROLLEN = 40;
    private static final int OFF_FLAGS = 48;
    private static final int IOVEC_SIZE = 16;
    private static final int CMSG_HEADER = 16;
    private static final int CONTROL_SIZE = CMSG_HEADER + 4 * MAX_DESCRIPTORS;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    /**
     * Native buffers for one thread's sendmsg or recvmsg. A thread does one at
     * a time, so one set per thread serves every socket: a socket costs no
     * native memory of its own, and a thousand ports cost no more than one.
     */
    private static final class Buffers {
        final Pointer header = Memory.allocateDirect(Posix.RUNTIME, MSGHDR_SIZE + IOVEC_SIZE + CONTROL_SIZE, true);
        final Pointer data = Memory.allocateDirect(Posix.RUNTIME, MAX_PACKET, false);
        // A Java view of the native data buffer: copying through it stays in Java (no JNI call per copy).
        final ByteBuffer view = MemoryIO.getInstance().newDirectByteBuffer(data.address(), MAX_PACKET);
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final int fd;
    private final int maxPacket;
    /**
     * The SO_RCVTIMEO in force, in milliseconds (0: a receive blocks for
     * ever). Only the one receiver touches it, so that a run of waits with the
     * same timeout costs no system call beyond recvmsg.
     */
    private long receiveTimeoutMillis;
    private volatile boolean closed;

    private SeqPacketSocket(int fd, int maxPacket) {
        if (maxPacket < 1 || maxPacket > MAX_PACKET) {
            throw new IllegalArgumentException("maxPacket " + maxPacket + ": must be 1.." + MAX_PACKET);
        }
        this.fd = fd;
        this.maxPacket = maxPacket;
    }

    /** A connected pair, both ends close-on-exec. */
    public static SeqPacketSocket[] pair() throws PosixException {
        return pair(MAX_PACKET);
    }

    /** A connected pair for datagrams of at most {@code maxPacket} bytes, both ends close-on-exec. */
    public static SeqPacketSocket[] pair(int maxPacket) throws PosixException {
        int[] sv = Posix.socketpair(Posix.SOCK_SEQPACKET);
        return new SeqPacketSocket[] {new SeqPacketSocket(sv[0], maxPacket), new SeqPacketSocket(sv[1], maxPacket)};
    }

    /** A raw close-on-exec pair of descriptors, for handing one end to a child. */
    public static int[] rawPair() throws PosixException {
        return Posix.socketpair(Posix.SOCK_SEQPACKET);
    }

    /**
     * Raises the send buffer so that a datagram of {@link #MAX_PACKET} fits:
     * a datagram may not exceed the sender's buffer (212992 bytes by default).
     */
    public void allowMaxPacket() throws PosixException {
        Posix.check(Posix.LIBC.setsockopt(fd, SOL_SOCKET, 7 /* SO_SNDBUF */, new int[] {2 * MAX_PACKET}, 4),
            "setsockopt SO_SNDBUF on fd " + fd);
    }

    /** Takes ownership of a descriptor that is a SOCK_SEQPACKET socket. */
    public static SeqPacketSocket wrap(int fd) {
        return new SeqPacketSocket(fd, MAX_PACKET);
    }

    /**
     * Takes ownership of a SOCK_SEQPACKET socket whose datagrams are at most
     * {@code maxPacket} bytes: a larger one is refused on sending and
     * reported as truncated on receiving. The native buffers are that size.
     */
    public static SeqPacketSocket wrap(int fd, int maxPacket) {
        return new SeqPacketSocket(fd, maxPacket);
    }

    public int fd() {
        return fd;
    }

    /** The largest datagram this socket sends or receives. */
    public int maxPacket() {
        return maxPacket;
    }

    /** Sends the buffer's remaining bytes as one datagram, with the given descriptors; blocks while the peer's queue is full. */
    public void send(ByteBuffer payload, int... descriptors) throws PosixException {
        send(payload, 0, descriptors);
    }

    /**
     * Sends one datagram without blocking: false (and nothing sent) when the
     * peer's queue is full, so a process that does not read cannot stall the sender.
     */
    public boolean offer(ByteBuffer payload, int... descriptors) throws PosixException {
        try {
            send(payload, MSG_DONTWAIT, descriptors);
            return true;
        } catch (PosixException e) {
            if (e.errno() == Posix.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    private void send(ByteBuffer payload, int flags, int... descriptors) throws PosixException {
        int length = payload.remaining();
        if (length > maxPacket) {
            throw new PosixException("sendmsg of " + length + " bytes (at most " + maxPacket + ")", Posix.EMSGSIZE);
        }
        if (descriptors.length > MAX_DESCRIPTORS) {
            throw new PosixException("sendmsg with " + descriptors.length + " descriptors", Posix.EINVAL);
        }
        Buffers b = BUFFERS.get();
        b.view.clear();
        b.view.put(payload.duplicate());
        prepare(b, length, descriptors.length);
        if (descriptors.length > 0) {
            long control = MSGHDR_SIZE + IOVEC_SIZE;
            b.header.putLong(control, CMSG_HEADER + 4L * descriptors.length);
            b.header.putInt(control + 8, SOL_SOCKET);
            b.header.putInt(control + 12, SCM_RIGHTS);
            for (int i = 0; i < descriptors.length; i++) {
                b.header.putInt(control + CMSG_HEADER + 4L * i, descriptors[i]);
            }
        }
        while (true) {
            long r = Posix.LIBC.sendmsg(fd, b.header, MSG_NOSIGNAL | flags);
            if (r == -1 && Posix.errno() == Posix.EINTR) {
                continue;
            }
            Posix.check(r, "sendmsg on fd " + fd);
            return;
        }
    }

    /**
     * Blocks for the next datagram. Returns null at end of file (the peer
     * closed). Received descriptors are close-on-exec and belong to the caller.
     */
    public Packet receive() throws PosixException {
        receiveTimeout(0);
        return receive(0);
    }

    /**
     * Waits up to {@code timeoutMillis} for the next datagram: one recvmsg
     * bounded by the socket's SO_RCVTIMEO, which is set only when the timeout
     * differs from the last one (the kernel rounds it up to its clock tick).
     * Returns null at end of file; throws a PosixException with
     * {@link Posix#EAGAIN} when nothing came in time. Receivers that do not
     * block ({@link #receiveNow}) are not affected by the timeout.
     */
    public Packet receive(long timeoutMillis) throws PosixException {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeoutMillis " + timeoutMillis + ": must be at least 1"
                + " (receive() waits for ever)");
        }
        receiveTimeout(timeoutMillis);
        return receive(0);
    }

    private void receiveTimeout(long millis) throws PosixException {
        if (millis == receiveTimeoutMillis) {
            return;
        }
        // struct timeval {tv_sec, tv_usec} on LP64; all zero means no timeout.
        long[] timeval = {millis / 1000, (millis % 1000) * 1000};
        Posix.check(Posix.LIBC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16),
            "setsockopt SO_RCVTIMEO " + millis + " ms on fd " + fd);
        receiveTimeoutMillis = millis;
    }

    /**
     * Takes the next datagram if one is waiting, without blocking (for a
     * reader told by {@link Epoll} that the socket is readable). Returns null
     * at end of file; throws a PosixException with {@link Posix#EAGAIN} when
     * nothing waits, and with {@link Posix#EMSGSIZE} when the datagram was
     * larger than {@link #maxPacket()} (it is consumed, its descriptors closed).
     */
    public Packet receiveNow() throws PosixException {
        return receive(MSG_DONTWAIT);
    }

    private Packet receive(int recvFlags) throws PosixException {
        Buffers b = BUFFERS.get();
        prepare(b, maxPacket, MAX_DESCRIPTORS);
        long n;
        while (true) {
            n = Posix.LIBC.recvmsg(fd, b.header, MSG_CMSG_CLOEXEC | recvFlags);
            if (n == -1 && Posix.errno() == Posix.EINTR) {
                continue;
            }
            Posix.check(n, "recvmsg on fd " + fd);
            break;
        }
        int[] fds = receivedDescriptors(b.header);
        int flags = b.header.getInt(OFF_FLAGS);
        if ((flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
            for (int d : fds) {
                Posix.closeQuietly(d);
            }
            throw new PosixException("recvmsg on fd " + fd + ": datagram or descriptors truncated", Posix.EMSGSIZE);
        }
        if (n == 0 && fds.length == 0) {
            return null;
        }
        byte[] bytes = new byte[(int) n];
        b.view.get(0, bytes, 0, (int) n);
        return new Packet(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), fds);
    }

    private static final int[] NO_DESCRIPTORS = new int[0];

    private static int[] receivedDescriptors(Pointer header) {
        long controlLength = header.getLong(OFF_CONTROLLEN);
        if (controlLength < CMSG_HEADER) {
            return NO_DESCRIPTORS;
        }
        long control = MSGHDR_SIZE + IOVEC_SIZE;
        long length = header.getLong(control);
        if (header.getInt(control + 8) != SOL_SOCKET || header.getInt(control + 12) != SCM_RIGHTS
                || length < CMSG_HEADER) {
            return NO_DESCRIPTORS;
        }
        int count = (int) ((length - CMSG_HEADER) / 4);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = header.getInt(control + CMSG_HEADER + 4L * i);
        }
        return fds;
    }

    private static void prepare(Buffers b, int length, int descriptors) {
        Pointer header = b.header;
        header.putAddress(MSGHDR_SIZE, b.data.address());
        header.putLong(MSGHDR_SIZE + 8, length);
        header.putAddress(0, 0L);
        header.putInt(8, 0);
        header.putAddress(OFF_IOV, header.address() + MSGHDR_SIZE);
        header.putLong(OFF_IOVLEN, 1);
        if (descriptors > 0) {
            header.putAddress(OFF_CONTROL, header.address() + MSGHDR_SIZE + IOVEC_SIZE);
            // CMSG_SPACE: the data rounded up to 8 bytes.
            header.putLong(OFF_CONTROLLEN, CMSG_HEADER + ((4L * descriptors + 7) & ~7L));
        } else {
            header.putAddress(OFF_CONTROL, 0L);
            header.putLong(OFF_CONTROLLEN, 0);
        }
        header.putInt(OFF_FLAGS, 0);
    }

    /** Shuts the socket down for both directions, waking a blocked reader, without closing it. */
    public void shutdown() {
        Posix.LIBC.shutdown(fd, 2);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.closeQuietly(fd);
        }
    }
}
