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
    /** Where the control area starts in the thread's header buffer. */
    private static final long CONTROL = MSGHDR_SIZE + IOVEC_SIZE;
    private static final int CMSG_HEADER = 16;
    private static final int CONTROL_SIZE = CMSG_HEADER + 4 * MAX_DESCRIPTORS;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_TYPE = 3;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    /**
     * Native buffers for one thread's sendmsg or recvmsg. A thread does one at
     * a time, so one set per thread serves every socket: a socket costs no
     * native memory of its own, and a thousand ports cost no more than one.
     * The message header's pointers never change; a call sets only the
     * lengths.
     */
    private static final class Buffers {
        final Pointer header = Memory.allocateDirect(Posix.RUNTIME, MSGHDR_SIZE + IOVEC_SIZE + CONTROL_SIZE, true);
        final Pointer data = Memory.allocateDirect(Posix.RUNTIME, MAX_PACKET, false);
        // A Java view of the native data buffer: copying through it stays in Java (no JNI call per copy).
        final ByteBuffer view = MemoryIO.getInstance().newDirectByteBuffer(data.address(), MAX_PACKET)
            .order(ByteOrder.nativeOrder());
        /** The same memory as a reception sees it, its limit the datagram's length: set anew at each receive. */
        final ByteBuffer received = view.duplicate().order(ByteOrder.nativeOrder());

        Buffers() {
            // msg_name and msg_namelen stay zero (allocated cleared): a socketpair needs no address.
            header.putAddress(OFF_IOV, header.address() + MSGHDR_SIZE);
            header.putLong(OFF_IOVLEN, 1);
            header.putAddress(OFF_CONTROL, header.address() + CONTROL);
            header.putAddress(MSGHDR_SIZE, data.address());
        }

        /** Sets the lengths of the data and of the control area (CMSG_SPACE of the descriptors). */
        void lengths(int data, int descriptors) {
            header.putLong(MSGHDR_SIZE + 8, data);
            header.putLong(OFF_CONTROLLEN, descriptors == 0 ? 0 : CMSG_HEADER + ((4L * descriptors + 7) & ~7L));
        }
    }

    /**
     * What a receiver does with a datagram while it is in the thread's native
     * buffer: {@code data} (native byte order, the thread's own buffer, reused
     * by its next receive) is valid only during the call; the descriptors
     * belong to the receiver.
     */
    @FunctionalInterface
    public interface Reception<T> {
        T received(ByteBuffer data, int[] descriptors);
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
    /** Orders shutdown and close: shutdown never reaches a number that close gave back. */
    private final Object closeLock = new Object();

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

    /**
     * Whether {@code fd} is a SOCK_SEQPACKET socket, for a descriptor a
     * process inherited: false for a socket of another type; a
     * PosixException naming the errno when it is no socket or not open.
     */
    public static boolean isSeqPacket(int fd) throws PosixException {
        int[] type = {0};
        Posix.check(Posix.LIBC.getsockopt(fd, SOL_SOCKET, SO_TYPE, type, new int[] {4}),
            "getsockopt SO_TYPE on fd " + fd);
        return type[0] == Posix.SOCK_SEQPACKET;
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
        send(payload, null, 0, 0, descriptors, 0);
    }

    /**
     * Sends {@code head}'s remaining bytes followed by {@code length} bytes of
     * {@code body} from {@code offset} as one datagram (a header and a payload
     * need not be joined in Java first); blocks while the peer's queue is full.
     */
    public void send(ByteBuffer head, byte[] body, int offset, int length, int... descriptors)
            throws PosixException {
        send(head, body, offset, length, descriptors, 0);
    }

    /**
     * Sends one datagram without blocking: false (and nothing sent) when the
     * peer's queue is full, so a process that does not read cannot stall the sender.
     */
    public boolean offer(ByteBuffer payload, int... descriptors) throws PosixException {
        return offer(payload, null, 0, 0, descriptors);
    }

    /** {@link #send(ByteBuffer, byte[], int, int, int...)} without blocking, as {@link #offer(ByteBuffer, int...)}. */
    public boolean offer(ByteBuffer head, byte[] body, int offset, int length, int... descriptors)
            throws PosixException {
        try {
            send(head, body, offset, length, descriptors, MSG_DONTWAIT);
            return true;
        } catch (PosixException e) {
            if (e.errno() == Posix.EAGAIN) {
                return false;
            }
            throw e;
        }
    }

    private void send(ByteBuffer head, byte[] body, int offset, int length, int[] descriptors, int flags)
            throws PosixException {
        int size = head.remaining() + length;
        if (size > maxPacket) {
            throw new PosixException("sendmsg of " + size + " bytes (at most " + maxPacket + ")", Posix.EMSGSIZE);
        }
        if (descriptors.length > MAX_DESCRIPTORS) {
            throw new PosixException("sendmsg with " + descriptors.length + " descriptors", Posix.EINVAL);
        }
        Buffers b = BUFFERS.get();
        b.view.put(0, head, head.position(), head.remaining());
        if (length > 0) {
            b.view.put(head.remaining(), body, offset, length);
        }
        if (descriptors.length > 0) {
            b.lengths(size, descriptors.length);
            b.header.putLong(CONTROL, CMSG_HEADER + 4L * descriptors.length);
            b.header.putInt(CONTROL + 8, SOL_SOCKET);
            b.header.putInt(CONTROL + 12, SCM_RIGHTS);
            for (int i = 0; i < descriptors.length; i++) {
                b.header.putInt(CONTROL + CMSG_HEADER + 4L * i, descriptors[i]);
            }
        }
        while (true) {
            // Without descriptors, send(2): the kernel copies no message header (some 40 ns less per datagram).
            long r = descriptors.length > 0 ? Posix.LIBC.sendmsg(fd, b.header, MSG_NOSIGNAL | flags)
                : Posix.LIBC.send(fd, b.data, size, MSG_NOSIGNAL | flags);
            if (r != -1) {
                return;
            }
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw new PosixException((descriptors.length > 0 ? "sendmsg" : "send") + " on fd " + fd, errno);
            }
        }
    }

    /**
     * Blocks for the next datagram. Returns null at end of file (the peer
     * closed). Received descriptors are close-on-exec and belong to the caller.
     */
    public Packet receive() throws PosixException {
        receiveTimeout(0);
        return take(0);
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
        checkTimeout(timeoutMillis);
        receiveTimeout(timeoutMillis);
        return take(0);
    }

    private static void checkTimeout(long timeoutMillis) {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeoutMillis " + timeoutMillis + ": must be at least 1"
                + " (receive() waits for ever)");
        }
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
        return take(MSG_DONTWAIT);
    }

    /**
     * {@link #receive(long)}, handing the datagram to {@code reception} while
     * it is still in the thread's native buffer: no copy beyond what the
     * receiver makes. Returns what the reception returned, or null at end of
     * file.
     */
    public <T> T receive(long timeoutMillis, Reception<T> reception) throws PosixException {
        checkTimeout(timeoutMillis);
        receiveTimeout(timeoutMillis);
        return take(0, reception);
    }

    /** {@link #receive()}, handing the datagram over as {@link #receive(long, Reception)} does. */
    public <T> T receive(Reception<T> reception) throws PosixException {
        receiveTimeout(0);
        return take(0, reception);
    }

    /** {@link #receiveNow()}, handing the datagram over as {@link #receive(long, Reception)} does. */
    public <T> T receiveNow(Reception<T> reception) throws PosixException {
        return take(MSG_DONTWAIT, reception);
    }

    /** A reception that copies the datagram out of the native buffer. */
    private static final Reception<Packet> COPY = (data, descriptors) -> {
        byte[] bytes = new byte[data.remaining()];
        data.get(0, bytes);
        return new Packet(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()), descriptors);
    };

    private Packet take(int recvFlags) throws PosixException {
        return take(recvFlags, COPY);
    }

    private <T> T take(int recvFlags, Reception<T> reception) throws PosixException {
        Buffers b = BUFFERS.get();
        b.lengths(maxPacket, MAX_DESCRIPTORS);
        long n;
        while ((n = Posix.LIBC.recvmsg(fd, b.header, MSG_CMSG_CLOEXEC | recvFlags)) == -1) {
            int errno = Posix.errno();
            if (errno != Posix.EINTR) {
                throw new PosixException("recvmsg on fd " + fd, errno);
            }
        }
        int[] fds = receivedDescriptors(b.header);
        int flags = b.header.getInt(OFF_FLAGS);
        if ((flags & MSG_TRUNC) == 0 && (flags & MSG_CTRUNC) != 0) {
            Posix.closeQuietly(fds);
            byte[] bytes = new byte[(int) n];
            b.received.clear().limit((int) n);
            b.received.get(0, bytes);
            throw new DescriptorsDroppedException("recvmsg on fd " + fd + ": descriptors dropped (no free descriptor?)",
                ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()));
        }
        if ((flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
            Posix.closeQuietly(fds);
            throw new PosixException("recvmsg on fd " + fd + ": datagram or descriptors truncated", Posix.EMSGSIZE);
        }
        if (n == 0 && fds.length == 0) {
            return null;
        }
        return reception.received(b.received.clear().limit((int) n), fds);
    }

    private static final int[] NO_DESCRIPTORS = new int[0];

    private static int[] receivedDescriptors(Pointer header) {
        long controlLength = header.getLong(OFF_CONTROLLEN);
        if (controlLength < CMSG_HEADER) {
            return NO_DESCRIPTORS;
        }
        long length = header.getLong(CONTROL);
        if (header.getInt(CONTROL + 8) != SOL_SOCKET || header.getInt(CONTROL + 12) != SCM_RIGHTS
                || length < CMSG_HEADER) {
            return NO_DESCRIPTORS;
        }
        int count = (int) ((length - CMSG_HEADER) / 4);
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = header.getInt(CONTROL + CMSG_HEADER + 4L * i);
        }
        return fds;
    }

    /** Whether {@link #close} ran; its number may belong to another descriptor since. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Shuts the socket down for both directions, waking a blocked reader,
     * without closing it; after {@link #close} it does nothing (the number may
     * belong to another descriptor by then).
     */
    public void shutdown() {
        synchronized (closeLock) {
            if (!closed) {
                Posix.LIBC.shutdown(fd, 2);
            }
        }
    }

    @Override
    public void close() {
        synchronized (closeLock) {
            if (!closed) {
                closed = true;
                Posix.closeQuietly(fd);
            }
        }
    }
}
