package io.corral.posix;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import org.junit.Test;

public class EpollTest {

    @Test
    public void reportsTheTokenOfAReadableSocketAndNothingAfterATimeout() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        try (Epoll epoll = Epoll.create(8)) {
            epoll.add(pair[1].fd(), 42);
            assertEquals(0, epoll.await(0));
            pair[0].send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertEquals(1, epoll.await(1000));
            assertEquals(42, epoll.token(0));
            assertTrue((epoll.events(0) & Epoll.IN) != 0);
            Packet p = pair[1].receiveNow();
            assertArrayEquals(new byte[] {1, 2, 3}, bytes(p.data()));
            assertEquals(0, epoll.await(0));
            epoll.remove(pair[1].fd());
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    public void wakeupEndsAWaitWithoutReportingAnything() throws Exception {
        try (Epoll epoll = Epoll.create(8)) {
            Thread t = new Thread(() -> {
                sleep(100);
                epoll.wakeup();
            });
            t.start();
            long start = System.nanoTime();
            assertEquals(0, epoll.await(10_000));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
            t.join();
            // Many wake-ups before a wait must neither block nor be reported.
            for (int i = 0; i < 100_000; i++) {
                epoll.wakeup();
            }
            assertEquals(0, epoll.await(0));
        }
    }

    @Test
    public void aClosedPeerIsReportedAndReadsAsEndOfFile() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        try (Epoll epoll = Epoll.create(8)) {
            epoll.add(pair[1].fd(), 7);
            pair[0].close();
            assertEquals(1, epoll.await(1000));
            assertTrue((epoll.events(0) & Epoll.HUP) != 0);
            assertNull(pair[1].receiveNow());
        } finally {
            pair[1].close();
        }
    }

    @Test
    public void receiveNowSaysEagainWhenNothingWaitsAndEmsgsizeForAnOversizeDatagram() throws Exception {
        SeqPacketSocket[] big = SeqPacketSocket.pair(256);
        SeqPacketSocket small = SeqPacketSocket.wrap(big[1].fd(), 16);
        try {
            try {
                small.receiveNow();
                fail("nothing waits");
            } catch (PosixException e) {
                assertEquals(Posix.EAGAIN, e.errno());
            }
            big[0].send(ByteBuffer.wrap(new byte[100]));
            big[0].send(ByteBuffer.wrap(new byte[] {9}));
            try {
                small.receiveNow();
                fail("100 bytes do not fit in 16");
            } catch (PosixException e) {
                assertEquals(Posix.EMSGSIZE, e.errno());
            }
            // The oversize datagram was consumed: the socket stays usable.
            assertArrayEquals(new byte[] {9}, bytes(small.receiveNow().data()));
        } finally {
            big[0].close();
            small.close();
        }
    }

    @Test
    public void offerReturnsFalseWhenThePeerQueueIsFull() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(1024);
        try {
            ByteBuffer b = ByteBuffer.wrap(new byte[1024]);
            int sent = 0;
            while (pair[0].offer(b.duplicate())) {
                sent++;
                if (sent > 100_000) {
                    fail("the queue never filled");
                }
            }
            assertTrue(sent > 0);
            assertFalse(pair[0].offer(b.duplicate()));
            pair[1].receiveNow();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    public void descriptorsTravelWithTheDatagram() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        int[] pipe = Posix.pipe();
        try {
            pair[0].send(ByteBuffer.wrap(new byte[] {1}), pipe[0]);
            Packet p = pair[1].receiveNow();
            assertEquals(1, p.descriptors().length);
            assertTrue(p.descriptors()[0] != pipe[0]);
            p.closeDescriptors();
        } finally {
            Posix.closeQuietly(pipe[0]);
            Posix.closeQuietly(pipe[1]);
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    public void aDisabledDescriptorIsNotReportedUntilEnabledThenAtOnce() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        try (Epoll epoll = Epoll.create(8)) {
            epoll.add(pair[1].fd(), 5);
            epoll.disable(pair[1].fd(), 5);
            pair[0].send(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(0, epoll.await(100));
            pair[0].close();
            assertEquals("a hang-up is reported", 1, epoll.await(100));
            assertEquals("once", 0, epoll.await(100));
            epoll.enable(pair[1].fd(), 5);
            assertEquals(1, epoll.await(1000));
            assertEquals(5, epoll.token(0));
            epoll.remove(pair[1].fd());
        } finally {
            pair[1].close();
        }
    }

    @Test
    public void aClosedInstanceRefusesNewWorkAndIgnoresRemovals() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        Epoll epoll = Epoll.create(8);
        epoll.close();
        try {
            try {
                epoll.add(pair[1].fd(), 1);
                fail("closed");
            } catch (PosixException e) {
                assertEquals(Posix.EBADF, e.errno());
            }
            try {
                epoll.enable(pair[1].fd(), 1);
                fail("closed");
            } catch (PosixException e) {
                assertEquals(Posix.EBADF, e.errno());
            }
            epoll.remove(pair[1].fd());
            epoll.wakeup();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    public void aTimedReceiveWaitsForTheDatagramOrSaysEagainAfterTheTimeout() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(64);
        try {
            Thread t = new Thread(() -> {
                sleep(100);
                try {
                    pair[0].send(ByteBuffer.wrap(new byte[] {4, 2}));
                } catch (PosixException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            assertArrayEquals(new byte[] {4, 2}, bytes(pair[1].receive(10_000).data()));
            t.join();
            long start = System.nanoTime();
            try {
                pair[1].receive(150);
                fail("nothing was sent");
            } catch (PosixException e) {
                assertEquals(Posix.EAGAIN, e.errno());
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis + " ms", millis >= 140 && millis < 5000);
            try {
                pair[1].receive(0);
                fail("0 ms would mean for ever");
            } catch (IllegalArgumentException e) {
                assertEquals("timeoutMillis 0: must be at least 1 (receive() waits for ever)", e.getMessage());
            }
            // A shutdown ends a timed wait at once, as end of file.
            new Thread(() -> {
                sleep(100);
                pair[1].shutdown();
            }).start();
            start = System.nanoTime();
            assertNull(pair[1].receive(20_000));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
