package io.corral.posix;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Test;

/** A header and a slice of a body sent as one datagram, and a datagram read in place. */
public class SeqPacketSocketTest {

    private final SeqPacketSocket[] pair = pair();

    private static SeqPacketSocket[] pair() {
        try {
            return SeqPacketSocket.pair(64);
        } catch (PosixException e) {
            throw new IllegalStateException(e);
        }
    }

    @After
    public void close() {
        pair[0].close();
        pair[1].close();
    }

    @Test
    public void aHeadAndASliceOfTheBodyTravelAsOneDatagram() throws Exception {
        ByteBuffer head = ByteBuffer.wrap(new byte[] {9, 1, 2, 3});
        head.position(1); // only what remains is sent
        pair[0].send(head, new byte[] {0, 4, 5, 6, 0}, 1, 3);
        assertEquals("the head's position is left as it was", 1, head.position());
        byte[] got = pair[1].receiveNow((data, fds) -> {
            byte[] b = new byte[data.remaining()];
            data.get(0, b);
            return b;
        });
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, got);
    }

    @Test
    public void aReceptionSeesTheDatagramInNativeOrderAndOwnsItsDescriptors() throws Exception {
        int[] pipe = Posix.pipe();
        try {
            ByteBuffer sent = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, 0x0102030405060708L);
            pair[0].send(sent, pipe[0]);
            int[] received = new int[1];
            long value = pair[1].receive(1000, (data, fds) -> {
                assertEquals(8, data.remaining());
                assertEquals(1, fds.length);
                received[0] = fds[0];
                return data.order() == ByteOrder.nativeOrder() ? data.getLong(0) : -1L;
            });
            assertEquals(0x0102030405060708L, value);
            assertTrue("a new descriptor for the same pipe",
                received[0] != pipe[0] && Files.isSameFile(Path.of("/proc/self/fd/" + received[0]),
                    Path.of("/proc/self/fd/" + pipe[0])));
            Posix.close(received[0]);
        } finally {
            Posix.closeQuietly(pipe[0]);
            Posix.closeQuietly(pipe[1]);
        }
    }

    @Test
    public void endOfFileIsNullAndNothingWaitingIsEagain() throws Exception {
        try {
            pair[1].receiveNow((data, fds) -> data);
            fail("nothing was sent");
        } catch (PosixException e) {
            assertEquals(Posix.EAGAIN, e.errno());
        }
        pair[0].close();
        assertNull(pair[1].receiveNow((data, fds) -> data));
    }

    @Test
    public void anInheritedDescriptorIsCheckedForItsSocketType() throws Exception {
        assertTrue(SeqPacketSocket.isSeqPacket(pair[0].fd()));
        int[] stream = Posix.socketpair(1 /* SOCK_STREAM */);
        int[] pipe = Posix.pipe();
        try {
            assertFalse(SeqPacketSocket.isSeqPacket(stream[0]));
            SeqPacketSocket.isSeqPacket(pipe[0]);
            fail("a pipe is no socket");
        } catch (PosixException e) {
            assertEquals(88 /* ENOTSOCK */, e.errno());
            assertTrue(e.getMessage(), e.getMessage().startsWith("getsockopt SO_TYPE on fd " + pipe[0]));
        } finally {
            Posix.closeQuietly(stream);
            Posix.closeQuietly(pipe);
        }
    }

    @Test
    public void aDatagramOverTheSocketsLimitIsNotSent() throws Exception {
        try {
            pair[0].send(ByteBuffer.allocate(60), new byte[8], 0, 8);
            fail("68 bytes on a socket of 64");
        } catch (PosixException e) {
            assertEquals(Posix.EMSGSIZE, e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("68 bytes (at most 64)"));
        }
        assertTrue(pair[0].offer(ByteBuffer.allocate(1)));
        assertEquals("only the datagram that fits arrived", 1,
            pair[1].receive(1000, (data, fds) -> data.remaining()).intValue());
    }
}
