package io.corral.worker.wire;

import io.corral.posix.Packet;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One end of a port's socket, speaking frames: encodes and sends, reads and
 * decodes. Sending may happen on any thread, reading on one at a time; closing
 * excludes both, so that a descriptor number is never used after it was
 * closed (and perhaps reused by something else). A thread waiting in
 * {@link #read(long)} holds no lock: closing then shuts the socket down, which
 * ends the wait, and the last waiter to leave closes the descriptor.
 */
public final class FrameChannel implements Closeable {

    private final SeqPacketSocket socket;
    private final FrameDecoder decoder = new FrameDecoder();
    private final int pid;
    private final int port;
    private boolean closed;
    /** Threads in {@link #read(long)}'s wait; the descriptor stays open until they left. */
    private int waiting;

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
        ByteBuffer[] frames = encode(type, flags, stream, payload);
        try {
            for (int i = 0; i < frames.length; i++) {
                if (descriptor >= 0 && i == frames.length - 1) {
                    socket.send(frames[i], descriptor);
                } else {
                    socket.send(frames[i]);
                }
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
        ByteBuffer frame = encode(type, flags, stream, payload)[0];
        try {
            return descriptor >= 0 ? socket.offer(frame, descriptor) : socket.offer(frame);
        } catch (PosixException e) {
            throw new IOException("sending " + type + ": " + e.getMessage(), e);
        }
    }

    private ByteBuffer[] encode(FrameType type, int flags, int stream, byte[] payload) throws IOException {
        if (closed) {
            throw new IOException("the port is closed");
        }
        try {
            return Frame.encode(type, flags, stream, pid, port, payload);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /**
     * Reads the datagram that waits (for a reader told the socket is
     * readable). Returns null at end of file or when the peer is gone (then see {@link #endOfInput});
     * otherwise a message, a refusal (whose descriptors are already closed),
     * or an incomplete result when nothing whole is there yet.
     */
    public Decoded read() throws PosixException {
        Packet p;
        synchronized (this) {
            if (closed) {
                return null;
            }
            try {
                p = socket.receiveNow();
            } catch (PosixException e) {
                return receiveFailed(e);
            }
        }
        return decode(p);
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
        synchronized (this) {
            if (closed) {
                return null;
            }
            waiting++;
        }
        Packet p = null;
        PosixException failure = null;
        try {
            p = socket.receive(timeoutMillis);
        } catch (PosixException e) {
            failure = e;
        }
        synchronized (this) {
            if (--waiting == 0 && closed) {
                socket.close();
            }
            if (closed) {
                if (p != null) {
                    p.closeDescriptors();
                }
                return null;
            }
        }
        return failure != null ? receiveFailed(failure) : decode(p);
    }

    private Decoded decode(Packet p) {
        if (p == null) {
            return null;
        }
        Decoded d = decoder.decode(p.data(), p.descriptors());
        if (d.refused()) {
            p.closeDescriptors();
        }
        return d;
    }

    /** After end of file: a refusal when the peer left a split message unfinished, else null. */
    public Decoded endOfInput() {
        return decoder.endOfInput();
    }

    public synchronized boolean closed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (waiting > 0) {
                // Ends the wait (the waiter reads end of file); the last waiter to leave closes the descriptor.
                socket.shutdown();
            } else {
                socket.close();
            }
        }
    }
}
