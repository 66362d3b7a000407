package io.corral.worker;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.posix.Packet;
import io.corral.posix.Posix;
import io.corral.posix.SeqPacketSocket;
import io.corral.worker.wire.Decoded;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameDecoder;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The library against a fake main: the test holds the other end of the worker's port. */
public class WorkerTest {

    private static final int MAIN_PID = 4242;

    private SeqPacketSocket mainEnd;
    private Worker worker;
    private Thread loop;
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final FrameDecoder decoder = new FrameDecoder();

    /** Records what it is told, and answers DATA upper-cased (or fails on "fail"). */
    private final Handler handler = new Handler() {
        @Override
        public void newPort(Worker w, Peer peer) {
            events.add("new " + peer);
        }

        @Override
        public void removePid(Worker w, int pid) {
            events.add("remove " + pid);
        }

        @Override
        public void quit(Worker w) {
            events.add("quit");
            w.stop();
        }

        @Override
        public void data(Worker w, Message m) throws IOException {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            try {
                if (m.text().equals("fail")) {
                    throw new IOException("asked to fail");
                }
                if (m.text().equals("block")) {
                    events.add("blocking");
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                handlerThreads.add(Thread.currentThread().getName());
                if (slowHandlers) {
                    // Long enough that two readers handling at once would overlap.
                    long until = System.nanoTime() + 50_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
                events.add("data " + m.from() + " " + m.text());
                m.reply(m.text().toUpperCase());
            } finally {
                inside.decrementAndGet();
            }
        }
    };
    private final java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.Set<String> handlerThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean slowHandlers;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    @Before
    public void attach() throws Exception {
        SeqPacketSocket[] pair = SeqPacketSocket.pair(Frame.MAX_FRAME);
        mainEnd = pair[0];
        worker = Worker.attach(Map.of(Worker.PORT_FD, Integer.toString(pair[1].fd()), Worker.STREAM, "77",
            Worker.PID_TYPE, "router", Worker.MAIN_PID, Integer.toString(MAIN_PID)));
        loop = new Thread(() -> {
            try {
                worker.run(handler);
            } catch (IOException e) {
                events.add("loop failed: " + e);
            }
        });
        loop.start();
    }

    @After
    public void detach() throws Exception {
        worker.stop();
        loop.join(5000);
        worker.close();
        mainEnd.close();
    }

    private void send(SeqPacketSocket from, FrameType type, int flags, int stream, byte[] payload, int... fds)
            throws Exception {
        from.send(Frame.encode(type, flags, stream, MAIN_PID, 0, payload)[0], fds);
    }

    private Frame receive(SeqPacketSocket at) throws Exception {
        Packet p = at.receive();
        Decoded d = decoder.decode(p.data(), p.descriptors());
        assertTrue(String.valueOf(d), d.complete());
        return d.frame();
    }

    /** Main hands the worker the port of a worker {@code pid}; returns the far end, the peer's. */
    private SeqPacketSocket handPort(int pid) throws Exception {
        SeqPacketSocket[] channel = SeqPacketSocket.pair(Frame.MAX_FRAME);
        send(mainEnd, FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(pid, 0, 4, Frame.ROLE_HOLDER), channel[0].fd());
        channel[0].close();
        assertEquals("new worker " + pid + ":0", event());
        return channel[1];
    }

    private String event() throws InterruptedException {
        String e = events.poll(5, TimeUnit.SECONDS);
        if (e == null) {
            fail("no event within 5 s");
        }
        return e;
    }

    @Test
    public void readyCarriesTheStreamGivenAtSpawn() throws Exception {
        worker.ready();
        Frame f = receive(mainEnd);
        assertEquals(FrameType.PROCESS_READY, f.type());
        assertEquals(77, f.stream());
        assertEquals(0, f.payload().length);
        assertEquals("router", worker.type());
    }

    @Test
    public void dataFromMainIsAnsweredOnItsStream() throws Exception {
        send(mainEnd, FrameType.DATA, Frame.LAST, 9, "ping".getBytes(StandardCharsets.UTF_8));
        assertEquals("data main " + MAIN_PID + ":0 ping", event());
        Frame answer = receive(mainEnd);
        assertEquals(FrameType.DATA, answer.type());
        assertEquals(9, answer.stream());
        assertEquals("PING", answer.text());
    }

    @Test
    public void aHeldPortCarriesDataBothWaysAndRemovePidClosesIt() throws Exception {
        SeqPacketSocket owner = handPort(555);
        try {
            Peer peer = worker.port(555).orElseThrow();
            assertTrue(peer.held());
            assertEquals(List.of("main", "worker"), worker.ports().stream().map(Peer::type).toList());
            peer.send(3, "hello");
            Frame got = receive(owner);
            assertEquals("hello", got.text());
            send(owner, FrameType.DATA, Frame.LAST, 3, "HELLO".getBytes(StandardCharsets.UTF_8));
            assertEquals("data worker 555:0 HELLO", event());
            assertEquals("the handler answers everyone", "HELLO", receive(owner).text());
            send(mainEnd, FrameType.REMOVE_PID, Frame.LAST, 0, Frame.ints(555));
            assertEquals("remove 555", event());
            assertNull("the library closed its end", owner.receive());
            assertTrue(worker.port(555).isEmpty());
        } finally {
            owner.close();
        }
    }

    @Test
    public void anOwnerEndIsServedWithoutBeingAHeldPort() throws Exception {
        SeqPacketSocket[] channel = SeqPacketSocket.pair(Frame.MAX_FRAME);
        SeqPacketSocket holder = channel[1];
        try {
            send(mainEnd, FrameType.NEW_PORT, Frame.LAST, 0, Frame.ints(666, 0, 3, Frame.ROLE_OWNER),
                channel[0].fd());
            channel[0].close();
            send(holder, FrameType.DATA, Frame.LAST, 5, "from the router".getBytes(StandardCharsets.UTF_8));
            assertEquals("data router 666:0 from the router", event());
            assertEquals("FROM THE ROUTER", receive(holder).text());
            assertTrue("a holder of our port is not a port we hold", worker.port(666).isEmpty());
        } finally {
            holder.close();
        }
    }

    @Test
    public void syncIsAnsweredReadyOrErrorAfterTheHandler() throws Exception {
        send(mainEnd, FrameType.DATA, Frame.LAST | Frame.SYNC, 11, "ok".getBytes(StandardCharsets.UTF_8));
        assertEquals("OK", receive(mainEnd).text());
        Frame ready = receive(mainEnd);
        assertEquals(FrameType.RPC_READY, ready.type());
        assertEquals(11, ready.stream());
        send(mainEnd, FrameType.DATA, Frame.LAST | Frame.SYNC, 12, "fail".getBytes(StandardCharsets.UTF_8));
        Frame error = receive(mainEnd);
        assertEquals(FrameType.RPC_ERROR, error.type());
        assertEquals(12, error.stream());
        assertEquals("asked to fail", error.text());
    }

    @Test
    public void malformedFramesAreRefusedAndCountedAndTheirDescriptorsClosed() throws Exception {
        int before = Posix.openDescriptors().size();
        int[] pipe = Posix.pipe();
        mainEnd.send(ByteBuffer.wrap(new byte[7]));
        send(mainEnd, FrameType.QUIT, Frame.LAST, 0, new byte[0], pipe[0]);
        send(mainEnd, FrameType.PROCESS_READY, Frame.LAST, 0, new byte[0]);
        // A socket wrapper with room for a datagram larger than a frame may be.
        SeqPacketSocket.wrap(mainEnd.fd(), 2 * Frame.MAX_FRAME).send(ByteBuffer.wrap(new byte[Frame.MAX_FRAME + 1]));
        Posix.close(pipe[0]);
        Posix.close(pipe[1]);
        // The port still works after four refusals.
        send(mainEnd, FrameType.DATA, Frame.LAST, 1, "still".getBytes(StandardCharsets.UTF_8));
        assertEquals("data main " + MAIN_PID + ":0 still", event());
        assertEquals(4, worker.refused());
        assertEquals("the descriptor that came with QUIT was closed", before, Posix.openDescriptors().size());
        assertTrue("QUIT with a descriptor was refused, not obeyed", loop.isAlive());
    }

    @Test
    public void handlersRunOneAtATimeThoughEachSocketHasItsReader() throws Exception {
        SeqPacketSocket a = handPort(501);
        SeqPacketSocket b = handPort(502);
        try {
            slowHandlers = true;
            int each = 200;
            Thread second = new Thread(() -> ping(b, each));
            second.start();
            ping(a, each);
            second.join(10_000);
            for (int i = 0; i < 2 * each; i++) {
                assertTrue(event().startsWith("data worker 50"));
            }
            assertEquals("no handler ran while another did", 0, overlaps.get());
            assertTrue("each socket is read on its own thread: " + handlerThreads,
                handlerThreads.containsAll(List.of("corral-port worker 501:0", "corral-port worker 502:0")));
        } finally {
            a.close();
            b.close();
        }
    }

    /** Sends {@code n} DATA messages from a holder, each after the answer to the one before. */
    private void ping(SeqPacketSocket holder, int n) {
        try {
            for (int i = 0; i < n; i++) {
                send(holder, FrameType.DATA, Frame.LAST, i, ("m" + i).getBytes(StandardCharsets.UTF_8));
                assertEquals("M" + i, receive(holder).text());
            }
        } catch (Exception e) {
            events.add("ping failed: " + e);
        }
    }

    @Test
    public void closeEndsEveryReaderAndClosesEverySocket() throws Exception {
        SeqPacketSocket owner = handPort(555);
        try {
            java.util.Set<Integer> before = new java.util.HashSet<>(Posix.openDescriptors());
            worker.stop();
            loop.join(5000);
            assertFalse(loop.isAlive());
            worker.close();
            assertTrue("no reader is left: " + readerThreads(), readerThreads().isEmpty());
            assertNull("main's end of the port is closed", mainEnd.receive());
            assertNull("the peer's is too", owner.receive());
            before.removeAll(Posix.openDescriptors());
            assertEquals("the worker's two sockets closed, nothing else", 2, before.size());
        } finally {
            owner.close();
        }
    }

    private static List<String> readerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
            .filter(n -> n.startsWith("corral-port")).toList();
    }

    @Test
    public void stopTakesNoLockAndRunReturnsOnceTheRunningHandlerDid() throws Exception {
        send(mainEnd, FrameType.DATA, Frame.LAST, 1, "block".getBytes(StandardCharsets.UTF_8));
        assertEquals("blocking", event());
        try {
            java.util.concurrent.CompletableFuture.runAsync(worker::stop).get(1, TimeUnit.SECONDS);
            loop.join(300);
            assertTrue("run waits for the handler that runs", loop.isAlive());
        } finally {
            release.countDown();
        }
        loop.join(5000);
        assertFalse(loop.isAlive());
        assertEquals("data main " + MAIN_PID + ":0 block", event());
    }

    @Test
    public void quitEndsTheLoopAndSoDoesMainClosingThePort() throws Exception {
        send(mainEnd, FrameType.QUIT, Frame.LAST, 0, new byte[0]);
        assertEquals("quit", event());
        loop.join(5000);
        assertFalse(loop.isAlive());
    }

    @Test
    public void mainClosingThePortEndsTheLoop() throws Exception {
        mainEnd.close();
        loop.join(5000);
        assertFalse(loop.isAlive());
    }

    @Test
    public void attachNamesTheVariableAndTheRule() {
        expect(Map.of(), "CORRAL_PORT_FD is not set");
        expect(Map.of(Worker.PORT_FD, "x", Worker.STREAM, "1", Worker.MAIN_PID, "1", Worker.PID_TYPE, "worker"),
            "CORRAL_PORT_FD \"x\": expected a number");
        expect(Map.of(Worker.PORT_FD, "3", Worker.STREAM, "1", Worker.MAIN_PID, "1", Worker.PID_TYPE, "boss"),
            "CORRAL_PID_TYPE \"boss\": expected one of main, discovery, controller, router, worker");
        expect(Map.of(Worker.PORT_FD, "999", Worker.STREAM, "1", Worker.MAIN_PID, "1", Worker.PID_TYPE, "worker"),
            "CORRAL_PORT_FD 999: getsockopt SO_TYPE on fd 999: Bad file descriptor");
    }

    @Test
    public void attachRefusesADescriptorThatIsNoSocket() throws Exception {
        int[] pipe = Posix.pipe();
        try {
            expect(Map.of(Worker.PORT_FD, Integer.toString(pipe[0]), Worker.STREAM, "1", Worker.MAIN_PID, "1",
                Worker.PID_TYPE, "worker"), "CORRAL_PORT_FD " + pipe[0] + ": getsockopt SO_TYPE on fd " + pipe[0]
                + ": Socket operation on non-socket");
        } finally {
            Posix.close(pipe[0]);
            Posix.close(pipe[1]);
        }
    }

    private static void expect(Map<String, String> env, String message) {
        try {
            Worker.attach(env).close();
            fail("must refuse " + env);
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(message));
        }
    }
}
