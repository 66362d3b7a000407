package io.corral.worker.wire;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

public class FrameDecoderTest {

    private static final int[] NONE = {};
    private static final int[] ONE = {42};

    private final FrameDecoder decoder = new FrameDecoder();

    private static ByteBuffer frame(int type, int flags, int version, int reserved, int stream, int length,
            byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) type).put((byte) flags).put((byte) version).put((byte) reserved).putInt(stream).putInt(1234)
            .putInt(0).putInt(length).put(payload);
        return b.flip();
    }

    private static ByteBuffer frame(FrameType type, int flags, int stream, byte[] payload) {
        return frame(type.code(), flags, Frame.VERSION, 0, stream, payload.length, payload);
    }

    private void refused(Refusal expected, ByteBuffer datagram, int[] fds) {
        Decoded d = decoder.decode(datagram, fds);
        assertEquals(d.toString(), expected, d.refusal());
        assertFalse(d.complete());
        assertTrue(d.detail(), !d.detail().isEmpty());
    }

    @Test
    public void encodedFramesDecodeToWhatWasSent() {
        byte[] payload = "hello".getBytes(StandardCharsets.UTF_8);
        ByteBuffer[] frames = Frame.encode(FrameType.DATA, Frame.SYNC, 7, 99, 0, payload);
        assertEquals(1, frames.length);
        assertEquals(Frame.HEADER + 5, frames[0].remaining());
        Decoded d = decoder.decode(frames[0], ONE);
        assertTrue(d.complete());
        Frame f = d.frame();
        assertEquals(FrameType.DATA, f.type());
        assertTrue(f.has(Frame.LAST));
        assertTrue(f.has(Frame.SYNC));
        assertEquals(7, f.stream());
        assertEquals(99, f.pid());
        assertEquals("hello", f.text());
        assertEquals(42, f.descriptor());
    }

    @Test
    public void theHeaderIsLittleEndianWithTheDocumentedOffsets() {
        ByteBuffer b = Frame.encode(FrameType.REMOVE_PID, 0, 0x01020304, 0x0a0b0c0d, 5, Frame.ints(77))[0];
        byte[] expected = {3, 1, 1, 0, 4, 3, 2, 1, 0x0d, 0x0c, 0x0b, 0x0a, 5, 0, 0, 0, 4, 0, 0, 0, 77, 0, 0, 0};
        byte[] actual = new byte[b.remaining()];
        b.get(actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    public void aShortHeaderIsRefused() {
        refused(Refusal.SHORT_HEADER, ByteBuffer.wrap(new byte[19]), NONE);
        refused(Refusal.SHORT_HEADER, ByteBuffer.allocate(0), NONE);
    }

    @Test
    public void aLengthBeyondTheDatagramIsRefused() {
        refused(Refusal.BAD_LENGTH, frame(FrameType.DATA.code(), Frame.LAST, 1, 0, 1, 100, new byte[10]), NONE);
        // Unsigned: a length with the top bit set is not a small negative number.
        refused(Refusal.BAD_LENGTH, frame(FrameType.DATA.code(), Frame.LAST, 1, 0, 1, -1, new byte[10]), NONE);
        // Bytes after the payload are as wrong as missing ones.
        refused(Refusal.BAD_LENGTH, frame(FrameType.DATA.code(), Frame.LAST, 1, 0, 1, 2, new byte[10]), NONE);
    }

    @Test
    public void anUnknownTypeIsRefused() {
        refused(Refusal.UNKNOWN_TYPE, frame(0, Frame.LAST, 1, 0, 0, 0, new byte[0]), NONE);
        refused(Refusal.UNKNOWN_TYPE, frame(9, Frame.LAST, 1, 0, 0, 0, new byte[0]), NONE);
        refused(Refusal.UNKNOWN_TYPE, frame(255, Frame.LAST, 1, 0, 0, 0, new byte[0]), NONE);
    }

    @Test
    public void anotherVersionOrAReservedByteIsRefused() {
        refused(Refusal.BAD_VERSION, frame(FrameType.QUIT.code(), Frame.LAST, 2, 0, 0, 0, new byte[0]), NONE);
        refused(Refusal.BAD_VERSION, frame(FrameType.QUIT.code(), Frame.LAST, 1, 1, 0, 0, new byte[0]), NONE);
    }

    @Test
    public void unknownFlagsAndSplitControlMessagesAreRefused() {
        refused(Refusal.BAD_FLAGS, frame(FrameType.QUIT, Frame.LAST | 0x08, 0, new byte[0]), NONE);
        refused(Refusal.BAD_FLAGS, frame(FrameType.QUIT, 0, 0, new byte[0]), NONE);
        refused(Refusal.BAD_FLAGS, frame(FrameType.DATA, Frame.LAST | Frame.CLOSE_FD, 0, new byte[1]), NONE);
    }

    @Test
    public void aDescriptorWhereNoneBelongsIsRefused() {
        for (FrameType t : new FrameType[] {FrameType.PROCESS_READY, FrameType.QUIT, FrameType.RPC_READY}) {
            refused(Refusal.UNEXPECTED_DESCRIPTOR, frame(t, Frame.LAST, 0, new byte[0]), ONE);
        }
        refused(Refusal.UNEXPECTED_DESCRIPTOR, frame(FrameType.REMOVE_PID, Frame.LAST, 0, Frame.ints(5)), ONE);
        refused(Refusal.UNEXPECTED_DESCRIPTOR, frame(FrameType.DATA, Frame.LAST, 0, new byte[1]), new int[] {4, 5});
        // Only a message's last frame may carry one.
        refused(Refusal.UNEXPECTED_DESCRIPTOR, frame(FrameType.DATA, 0, 0, new byte[1]), ONE);
    }

    @Test
    public void aMissingDescriptorIsRefused() {
        refused(Refusal.MISSING_DESCRIPTOR, frame(FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(1, 0, 4, 0)), NONE);
    }

    @Test
    public void payloadsAreCheckedByType() {
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.PROCESS_READY, Frame.LAST, 0, new byte[1]), NONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.REMOVE_PID, Frame.LAST, 0, new byte[3]), NONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(1, 0, 4)), ONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(1, 0, 5, 0)), ONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(1, 0, 4, 2)), ONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.START_WORKER, Frame.LAST, 0, new byte[0]), NONE);
        refused(Refusal.BAD_PAYLOAD, frame(FrameType.START_WORKER, Frame.LAST, 0, new byte[256]), NONE);
        Decoded ok = decoder.decode(frame(FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(1, 0, 4, 1)), ONE);
        assertTrue(ok.complete());
        assertEquals(4, ok.frame().intAt(2));
    }

    @Test
    public void splitDataIsJoinedByStreamAndInterleavedStreamsStayApart() {
        byte[] big = new byte[Frame.MAX_PAYLOAD * 2 + 10];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        ByteBuffer[] a = Frame.encode(FrameType.DATA, 0, 1, 0, 0, big);
        ByteBuffer[] b = Frame.encode(FrameType.DATA, 0, 2, 0, 0, "short".getBytes(StandardCharsets.UTF_8));
        assertEquals(3, a.length);
        assertFalse(decoder.decode(a[0], NONE).complete());
        Decoded shortOne = decoder.decode(b[0], NONE);
        assertEquals("short", shortOne.frame().text());
        assertFalse(decoder.decode(a[1], NONE).complete());
        Decoded whole = decoder.decode(a[2], ONE);
        assertArrayEquals(big, whole.frame().payload());
        assertEquals(42, whole.frame().descriptor());
        assertNull("nothing left unfinished", decoder.endOfInput());
    }

    @Test
    public void aPeerThatClosesMidMessageIsReported() {
        ByteBuffer[] a = Frame.encode(FrameType.DATA, 0, 1, 0, 0, new byte[Frame.MAX_PAYLOAD + 1]);
        assertFalse(decoder.decode(a[0], NONE).complete());
        Decoded end = decoder.endOfInput();
        assertEquals(Refusal.CLOSED_MID_MESSAGE, end.refusal());
        assertTrue(end.detail(), end.detail().contains(Frame.MAX_PAYLOAD + " bytes"));
        assertNull(decoder.endOfInput());
    }

    @Test
    public void aMessageLongerThanTheLimitIsRefusedAndForgotten() {
        ByteBuffer chunk = frame(FrameType.DATA, 0, 3, new byte[Frame.MAX_PAYLOAD]);
        int frames = Frame.MAX_MESSAGE / Frame.MAX_PAYLOAD;
        for (int i = 0; i < frames; i++) {
            assertFalse(decoder.decode(chunk.duplicate(), NONE).refused());
        }
        refused(Refusal.MESSAGE_TOO_LONG, chunk.duplicate(), NONE);
        assertNull("the partial message was dropped", decoder.endOfInput());
    }

    @Test
    public void manyUnfinishedStreamsTogetherStayWithinTheLimit() {
        int streams = Frame.MAX_MESSAGE / Frame.MAX_PAYLOAD;
        for (int s = 0; s < streams; s++) {
            assertFalse(decoder.decode(frame(FrameType.DATA, 0, s, new byte[Frame.MAX_PAYLOAD]), NONE).refused());
        }
        refused(Refusal.MESSAGE_TOO_LONG, frame(FrameType.DATA, 0, streams, new byte[Frame.MAX_PAYLOAD]), NONE);
        // A stream already under way still finishes.
        Decoded done = decoder.decode(frame(FrameType.DATA, Frame.LAST, 0, new byte[0]), NONE);
        assertEquals(Frame.MAX_PAYLOAD, done.frame().payload().length);
    }

    @Test
    public void onlyDataMayBeSplitOnEncoding() {
        try {
            Frame.encode(FrameType.RPC_ERROR, 0, 0, 0, 0, new byte[Frame.MAX_PAYLOAD + 1]);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("only DATA may be split"));
            return;
        }
        throw new AssertionError("must refuse");
    }
}
