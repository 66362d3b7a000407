package io.corral.worker.wire;

import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One end of a port's socket, speaking frames: encodes and sends, reads and
 * decodes. Sending may happen on any thread, reading on one at a time; closing
 * excludes both, so that a descriptor number is never used after it was
 * closed (and perhaps reused by something else). A thread waiting in
 * {@link #read(long)} holds no lock, only a count in {@link #state}: closing
 * then shuts the socket down, which ends the wait, and the last to leave
 * closes the descriptor.
 */
public final class FrameChannel implements Closeable {

    private final SeqPacketSocket socket;
    private final FrameDecoder decoder = new FrameDecoder();
    private final int pid;
    private final int port;
    /** The header of the frame being sent, reused: sending holds the channel's lock. */
    private final ByteBuffer header = ByteBuffer.allocate(Frame.HEADER);
    /** Decodes a datagram while it is still in the socket's native buffer. */
    private final SeqPacketSocket.Reception<Decoded> decoding = this::decode;
    private static final int[] NO_DESCRIPTOR = new int[0];
    /**
     * {@link #CLOSED}, {@link #FINISHED}, and the threads in a blocking read's
     * wait in units of {@link #WAITER}: the descriptor stays open until they
     * left. Entering and leaving a wait cost one atomic add each, no lock.
     */
    private final AtomicInteger state = new AtomicInteger();
    /** Closed: no frame is sent or read any more; set under the channel's lock. */
    private static final int CLOSED = 1;
    /** The descriptor itself is closed: by whoever found the channel closed and nobody waiting. */
    private static final int FINISHED = 2;
    private static final int WAITER = 4;

    /**
     * Takes ownership of a SOCK_SEQPACKET descriptor.
     *
     * @param pid  the pid this side writes into headers
     * @param port the port id this side writes into headers
     */
    public FrameChannel(int fd, int pid, int port) {
        this.socket = SeqPacketSocket.wrap(fd, Frame.MAX_FRAME);
        this.pid = pid;
        this.port = port;
    }

    public int fd() {
        return socket.fd();
    }

    /** Sends a message, split over frames when long (DATA only); blocks while the peer's queue is full. */
    public synchronized void send(FrameType type, int flags, int stream, byte[] payload, int descriptor)
            throws IOException {
        int count = frames(type, payload.length);
        try {
            for (int i = 0; i < count; i++) {
                int from = i * Frame.MAX_PAYLOAD;
                int length = Math.min(Frame.MAX_PAYLOAD, payload.length - from);
                boolean last = i == count - 1;
                header(type, Frame.frameFlags(flags, i, count), stream, length);
                socket.send(header, payload, from, length, last ? attached(descriptor) : NO_DESCRIPTOR);
            }
        } catch (PosixException e) {
            throw new IOException("sending " + type + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends a one-frame message without blocking: false when the peer's queue
     * is full, so that a process that does not read cannot stall the sender.
     */
    public synchronized boolean offer(FrameType type, int flags, int stream, byte[] payload, int descriptor)
            throws IOException {
        if (payload.length > Frame.MAX_PAYLOAD) {
            throw new IOException(type + " of " + payload.length + " bytes: at most " + Frame.MAX_PAYLOAD
                + " in one frame");
        }
        frames(type, payload.length);
        header(type, flags | Frame.LAST, stream, payload.length);
        try {
            return socket.offer(header, payload, 0, payload.length, attached(descriptor));
        } catch (PosixException e) {
            throw new IOException("sending " + type + ": " + e.getMessage(), e);
        }
    }

    /** The frames a payload takes, once the channel is known open and the payload sendable. */
    private int frames(FrameType type, int length) throws IOException {
        if (closed()) {
            throw new IOException("the port is closed");
        }
        try {
            return Frame.frames(type, length);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /** Fills {@link #header} for one frame; the caller holds the channel's lock. */
    private void header(FrameType type, int flags, int stream, int length) {
        Frame.header(header.clear(), type, flags, stream, pid, port, length).flip();
    }

    private static int[] attached(int descriptor) {
        return descriptor >= 0 ? new int[] {descriptor} : NO_DESCRIPTOR;
    }

    /**
     * Reads the datagram that waits (for a reader told the socket is
     * readable). Returns null at end of file or when the peer is gone (then see {@link #endOfInput});
     * otherwise a message, a refusal (whose descriptors are already closed),
     * or an incomplete result when nothing whole is there yet.
     */
    public synchronized Decoded read() throws PosixException {
        if (closed()) {
            return null;
        }
        try {
            return socket.receiveNow(decoding);
        } catch (PosixException e) {
            return receiveFailed(e);
        }
    }

    /** What a failed receive means to a reader: nothing yet, an oversize datagram, or the end; else the failure. */
    private static Decoded receiveFailed(PosixException e) throws PosixException {
        return switch (e.errno()) {
            case Posix.EAGAIN -> Decoded.INCOMPLETE; // also a timed wait's timeout
            case Posix.EMSGSIZE -> Decoded.refused(Refusal.OVERSIZE, "a datagram over " + Frame.MAX_FRAME + " bytes");
            case Posix.ECONNRESET -> null; // the peer died with frames unread: as final as end of file
            default -> throw e;
        };
    }

    /**
     * Waits up to {@code timeoutMillis} for the next datagram and decodes it,
     * for a reader that blocks on this one socket. Returns as {@link #read()}
     * does; {@link Decoded#INCOMPLETE} also when nothing came in time (the
     * caller keeps its own clock). Closing the channel from another thread
     * ends the wait with null.
     */
    public Decoded read(long timeoutMillis) throws PosixException {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeoutMillis " + timeoutMillis + ": must be at least 1"
                + " (readBlocking() waits for ever)");
        }
        return waitFor(timeoutMillis);
    }

    /** {@link #read(long)} without a time limit: for a reader with a thread of its own. */
    public Decoded readBlocking() throws PosixException {
        return waitFor(0);
    }

    private Decoded waitFor(long timeoutMillis) throws PosixException {
        if ((state.addAndGet(WAITER) & CLOSED) != 0) {
            leave();
            return null;
        }
        Decoded d = null;
        PosixException failure = null;
        try {
            d = timeoutMillis == 0 ? socket.receive(decoding) : socket.receive(timeoutMillis, decoding);
        } catch (PosixException e) {
            failure = e;
        }
        if ((leave() & CLOSED) != 0) {
            if (d != null && d.complete()) {
                Posix.closeQuietly(d.frame().descriptor());
            }
            return null;
        }
        return failure != null ? receiveFailed(failure) : d;
    }

    /** One waiter less; the last to leave a closed channel closes the descriptor. Returns the state left. */
    private int leave() {
        int s = state.addAndGet(-WAITER);
        if (s == CLOSED && state.compareAndSet(CLOSED, CLOSED | FINISHED)) {
            socket.close();
        }
        return s;
    }

    /** Decodes a datagram; a refused one's descriptors are closed at once. */
    private Decoded decode(ByteBuffer data, int[] descriptors) {
        Decoded d = decoder.decode(data, descriptors);
        if (d.refused()) {
            Posix.closeQuietly(descriptors);
        }
        return d;
    }

    /** After end of file: a refusal when the peer left a split message unfinished, else null. */
    public Decoded endOfInput() {
        return decoder.endOfInput();
    }

    public boolean closed() {
        return (state.get() & CLOSED) != 0;
    }

    @Override
    public synchronized void close() {
        if (closed()) {
            return; // CLOSED is set only here, under the lock: adding it again would carry
        }
        // Counted as a waiter while shutting down, so that no waiter leaving meanwhile closes the descriptor first.
        int was = state.getAndAdd(WAITER | CLOSED);
        if (was != 0) {
            socket.shutdown(); // ends the waits: each waiter reads end of file and leaves
        }
        leave();
    }
}
