package io.corral.worker.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the datagrams of one socket into messages: checks each frame
 * completely before anything acts on it and joins split DATA messages by
 * stream. One decoder per socket, used by its one reader. It never closes a
 * descriptor: on a refusal the caller closes what came with the datagram.
 */
public final class FrameDecoder {

    private final Map<Integer, ByteArrayOutputStream> partial = new HashMap<>();
    private int partialBytes;

    /** Decodes one datagram and the descriptors that came with it. */
    public Decoded decode(ByteBuffer datagram, int[] descriptors) {
        // Absolute reads only: the caller's buffer is left as it was (and in native order, it is not copied).
        ByteBuffer b = datagram.order() == ByteOrder.LITTLE_ENDIAN ? datagram
            : datagram.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size = b.remaining();
        if (size < Frame.HEADER) {
            return Decoded.refused(Refusal.SHORT_HEADER, size + " bytes, a header is " + Frame.HEADER);
        }
        int start = b.position();
        int code = b.get(start) & 0xff;
        int flags = b.get(start + 1) & 0xff;
        int version = b.get(start + 2) & 0xff;
        int reserved = b.get(start + 3) & 0xff;
        int stream = b.getInt(start + 4);
        int pid = b.getInt(start + 8);
        int port = b.getInt(start + 12);
        long length = Integer.toUnsignedLong(b.getInt(start + 16));
        if (version != Frame.VERSION || reserved != 0) {
            return Decoded.refused(Refusal.BAD_VERSION, "version " + version + " reserved " + reserved
                + ", expected version " + Frame.VERSION + " reserved 0");
        }
        if (length != size - Frame.HEADER) {
            return Decoded.refused(Refusal.BAD_LENGTH, "payload length " + length + " but " + (size - Frame.HEADER)
                + " bytes follow the header");
        }
        FrameType type = FrameType.of(code);
        if (type == null) {
            return Decoded.refused(Refusal.UNKNOWN_TYPE, "type " + code);
        }
        if ((flags & ~Frame.KNOWN_FLAGS) != 0) {
            return Decoded.refused(Refusal.BAD_FLAGS, type + " flags 0x" + Integer.toHexString(flags));
        }
        boolean last = (flags & Frame.LAST) != 0;
        if (!last && type != FrameType.DATA) {
            return Decoded.refused(Refusal.BAD_FLAGS, type + " without LAST: only DATA may be split");
        }
        Decoded attachment = checkDescriptors(type, flags, last, descriptors);
        if (attachment != null) {
            return attachment;
        }
        byte[] payload = new byte[(int) length];
        b.get(start + Frame.HEADER, payload);
        String bad = PayloadRules.check(type, payload);
        if (bad != null) {
            return Decoded.refused(Refusal.BAD_PAYLOAD, type + ": " + bad);
        }
        int descriptor = descriptors.length == 1 ? descriptors[0] : -1;
        return type == FrameType.DATA ? join(flags, stream, pid, port, payload, descriptor, last)
            : Decoded.of(new Frame(type, flags, stream, pid, port, payload, descriptor));
    }

    private static Decoded checkDescriptors(FrameType type, int flags, boolean last, int[] descriptors) {
        if (descriptors.length > 1) {
            return Decoded.refused(Refusal.UNEXPECTED_DESCRIPTOR, type + " with " + descriptors.length
                + " descriptors: at most one");
        }
        boolean has = descriptors.length == 1;
        if (has && (type.attachment() == FrameType.Attachment.NONE || !last)) {
            return Decoded.refused(Refusal.UNEXPECTED_DESCRIPTOR, type + (last ? " carries no descriptor"
                : " frame before the last carries no descriptor"));
        }
        if (!has && type.attachment() == FrameType.Attachment.REQUIRED) {
            return Decoded.refused(Refusal.MISSING_DESCRIPTOR, type + " needs a descriptor");
        }
        if (!has && (flags & Frame.CLOSE_FD) != 0) {
            return Decoded.refused(Refusal.BAD_FLAGS, type + " with CLOSE_FD but no descriptor");
        }
        return null;
    }

    /** Joins the frames of a split DATA message by stream; one frame with LAST is the common case. */
    private Decoded join(int flags, int stream, int pid, int port, byte[] payload, int descriptor, boolean last) {
        ByteArrayOutputStream earlier = partial.isEmpty() ? null : partial.get(stream); // no boxing when none
        if (earlier == null && last) {
            return Decoded.of(new Frame(FrameType.DATA, flags, stream, pid, port, payload, descriptor));
        }
        // One bound for all unfinished messages of the socket together: many streams cannot add up to more.
        if (partialBytes + payload.length > Frame.MAX_MESSAGE) {
            int dropped = earlier == null ? 0 : earlier.size();
            if (earlier != null) {
                partial.remove(stream);
                partialBytes -= dropped;
            }
            return Decoded.refused(Refusal.MESSAGE_TOO_LONG, "DATA on stream " + Integer.toUnsignedString(stream)
                + ": " + (dropped + payload.length) + " bytes, with other unfinished messages more than "
                + Frame.MAX_MESSAGE);
        }
        if (earlier == null) {
            earlier = new ByteArrayOutputStream();
            partial.put(stream, earlier);
        }
        earlier.writeBytes(payload);
        partialBytes += payload.length;
        if (!last) {
            return Decoded.INCOMPLETE;
        }
        partial.remove(stream);
        partialBytes -= earlier.size();
        return Decoded.of(new Frame(FrameType.DATA, flags, stream, pid, port, earlier.toByteArray(), descriptor));
    }

    /** The peer closed its end: a refusal when a split message was left unfinished, else null. */
    public Decoded endOfInput() {
        if (partial.isEmpty()) {
            return null;
        }
        String detail = partial.size() + " unfinished message(s), " + partialBytes + " bytes dropped";
        partial.clear();
        partialBytes = 0;
        return Decoded.refused(Refusal.CLOSED_MID_MESSAGE, detail);
    }
}
