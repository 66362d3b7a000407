package io.corral.worker.wire;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.corral.posix.SeqPacketSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** A channel's timed and blocking reads, and closing it while a thread waits in one. */
public class FrameChannelTest {

    private final int[] pair = pair();
    private final FrameChannel reader = new FrameChannel(pair[0], 1, 0);
    private final FrameChannel writer = new FrameChannel(pair[1], 2, 0);

    private static int[] pair() {
        try {
            return SeqPacketSocket.rawPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @After
    public void close() {
        reader.close();
        writer.close();
    }

    @Test
    public void aTimedReadReturnsTheFrameOrIncompleteAfterTheTimeout() throws Exception {
        writer.send(FrameType.DATA, Frame.LAST, 7, "hi".getBytes(StandardCharsets.UTF_8), -1);
        Decoded d = reader.read(5000);
        assertTrue(d.complete());
        assertEquals(7, d.frame().stream());
        assertEquals("hi", d.frame().text());
        long start = System.nanoTime();
        assertSame(Decoded.INCOMPLETE, reader.read(100));
        assertTrue(System.nanoTime() - start >= 90_000_000L);
    }

    @Test
    public void closingWhileAThreadWaitsEndsTheWaitAndThenClosesTheDescriptor() throws Exception {
        Path fd = Path.of("/proc/self/fd/" + pair[0]);
        Path socket = Files.readSymbolicLink(fd);
        CompletableFuture<Decoded> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return reader.read(30_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertFalse("still waiting", waited.isDone());
        long start = System.nanoTime();
        reader.close();
        assertNull("closed: no frame", waited.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        assertTrue(reader.closed());
        assertFalse("the descriptor is closed once the waiter left", Files.exists(fd)
            && Files.readSymbolicLink(fd).equals(socket));
        assertNull("a closed channel reads nothing", reader.read(1000));
    }

    @Test
    public void aBlockingReadAfterATimedOneWaitsPastItsTimeoutAndEndsAtClose() throws Exception {
        assertSame(Decoded.INCOMPLETE, reader.read(50));
        CompletableFuture<Decoded> first = CompletableFuture.supplyAsync(this::readBlocking);
        Thread.sleep(300);
        assertFalse("the timed read's timeout no longer holds", first.isDone());
        writer.send(FrameType.DATA, Frame.LAST, 8, "late".getBytes(StandardCharsets.UTF_8), -1);
        assertEquals("late", first.get(5, TimeUnit.SECONDS).frame().text());
        CompletableFuture<Decoded> second = CompletableFuture.supplyAsync(this::readBlocking);
        Thread.sleep(100);
        reader.close();
        assertNull("closed: no frame", second.get(5, TimeUnit.SECONDS));
    }

    private Decoded readBlocking() {
        try {
            return reader.readBlocking();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void closingRacingAWaitClosesTheDescriptorOnceAndLeavesNoneOpen() throws Exception {
        java.util.Map<Integer, String> before = sockets();
        for (int i = 0; i < 300; i++) {
            int[] fds = SeqPacketSocket.rawPair();
            FrameChannel a = new FrameChannel(fds[0], 1, 0);
            FrameChannel b = new FrameChannel(fds[1], 2, 0);
            CompletableFuture<Decoded> waited = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.readBlocking();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            if (i % 2 == 0) {
                Thread.onSpinWait(); // half the time the close comes before the wait, half during it
            } else {
                Thread.sleep(1);
            }
            a.close();
            assertNull(waited.get(5, TimeUnit.SECONDS));
            // A late second close of a's number would hit a descriptor opened since: b's, or the next pair's.
            assertTrue(io.corral.posix.Posix.openDescriptors().contains(fds[1]));
            b.close();
        }
        assertEquals("every socket closed, none twice", before, sockets());
    }

    /**
     * The sockets this JVM has open, by descriptor: what the test makes. The
     * JVM's other descriptors (jars, the test runner's files) may come and go
     * meanwhile.
     */
    private static java.util.Map<Integer, String> sockets() throws java.io.IOException {
        java.util.Map<Integer, String> sockets = new java.util.TreeMap<>();
        for (int fd : io.corral.posix.Posix.openDescriptors()) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
                if (target.startsWith("socket:")) {
                    sockets.put(fd, target);
                }
            } catch (java.io.IOException e) {
                // closed meanwhile: the listing's own
            }
        }
        return sockets;
    }

    @Test
    public void endOfFileEndsATimedRead() throws Exception {
        writer.close();
        assertNull(reader.read(5000));
    }
}
