package io.corral.worker.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One decoded message (a frame, or the frames of a split message joined).
 *
 * @param type       what it is
 * @param flags      {@link #LAST}, {@link #CLOSE_FD}, {@link #SYNC}
 * @param stream     the stream it belongs to; answers carry the same stream
 * @param pid        the sender's pid as the sender sees itself (informational:
 *                   a receiver knows the sender by the socket it read from)
 * @param port       the sender's port id
 * @param payload    the payload bytes
 * @param descriptor the attached descriptor, or -1; the receiver owns it
 */
public record Frame(FrameType type, int flags, int stream, int pid, int port, byte[] payload, int descriptor) {

    /** Header size in bytes. */
    public static final int HEADER = 20;
    /** The protocol version this code speaks. */
    public static final int VERSION = 1;
    /** The largest datagram, header included. */
    public static final int MAX_FRAME = 16384;
    /** The largest payload of one frame. */
    public static final int MAX_PAYLOAD = MAX_FRAME - HEADER;
    /** The largest message, split over frames. */
    public static final int MAX_MESSAGE = 1 << 20;

    /** The last (or only) frame of a message. */
    public static final int LAST = 0x01;
    /** The receiver closes the attached descriptor once it has handled the message. */
    public static final int CLOSE_FD = 0x02;
    /** The sender waits for RPC_READY or RPC_ERROR on the same stream. */
    public static final int SYNC = 0x04;
    static final int KNOWN_FLAGS = LAST | CLOSE_FD | SYNC;

    /** NEW_PORT roles: the receiver may send to the port's owner on the descriptor... */
    public static final int ROLE_HOLDER = 0;
    /** ...or the descriptor is one end of the receiver's own port, held by the named process. */
    public static final int ROLE_OWNER = 1;

    /** The process type names, by their wire code (NEW_PORT's type field). */
    public static final String[] PROCESS_TYPES = {"main", "discovery", "controller", "router", "worker"};

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The payload as little-endian 32-bit integers (NEW_PORT, REMOVE_PID, RPC_READY of START_WORKER). */
    public int intAt(int index) {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * index);
    }

    /**
     * The datagrams of a message: one frame, or several when the payload is
     * longer than {@link #MAX_PAYLOAD} (only DATA may be split); LAST on the
     * final one. The caller sends a descriptor with the last datagram.
     */
    public static ByteBuffer[] encode(FrameType type, int flags, int stream, int pid, int port, byte[] payload) {
        int count = frames(type, payload.length);
        ByteBuffer[] frames = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            int from = i * MAX_PAYLOAD;
            int length = Math.min(MAX_PAYLOAD, payload.length - from);
            int f = frameFlags(flags, i, count);
            frames[i] = header(ByteBuffer.allocate(HEADER + length), type, f, stream, pid, port, length)
                .put(payload, from, length).flip();
        }
        return frames;
    }

    /**
     * How many frames a payload of {@code length} bytes takes: more than one
     * only for DATA longer than {@link #MAX_PAYLOAD}.
     *
     * @throws IllegalArgumentException when such a payload cannot be sent
     */
    static int frames(FrameType type, int length) {
        int count = Math.max(1, (length + MAX_PAYLOAD - 1) / MAX_PAYLOAD);
        if (count > 1 && type != FrameType.DATA) {
            throw new IllegalArgumentException(type + " payload of " + length + " bytes: at most "
                + MAX_PAYLOAD + " (only DATA may be split over frames)");
        }
        if (length > MAX_MESSAGE) {
            throw new IllegalArgumentException(type + " payload of " + length + " bytes: at most " + MAX_MESSAGE);
        }
        return count;
    }

    /** The flags of frame {@code i} of {@code count}: LAST on the final one only. */
    static int frameFlags(int flags, int i, int count) {
        return (flags & ~LAST) | (i == count - 1 ? LAST : 0);
    }

    /** A message of little-endian 32-bit integers. */
    public static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    static ByteBuffer header(ByteBuffer b, FrameType type, int flags, int stream, int pid, int port, int length) {
        return b.order(ByteOrder.LITTLE_ENDIAN).put((byte) type.code()).put((byte) flags).put((byte) VERSION)
            .put((byte) 0).putInt(stream).putInt(pid).putInt(port).putInt(length);
    }

    @Override
    public String toString() {
        return type + "[stream " + Integer.toUnsignedString(stream) + ", pid " + pid + ", port " + port + ", "
            + payload.length + " bytes" + (descriptor >= 0 ? ", fd " + descriptor : "") + "]";
    }
}
