package io.corral.port.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.port.MessageType;
import io.corral.api.port.PortId;
import io.corral.api.port.PortInfo;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.posix.SeqPacketSocket;
import io.corral.worker.wire.Decoded;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameChannel;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * {@link PortRegistryImpl#call} against a peer in this JVM: main's end of a
 * socketpair is attached as a process's port, a test thread plays the process
 * on the other end.
 */
public class CallTest {

    private static final int PID = 424242;
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final PortId TARGET = new PortId(PID, PortId.FIRST);

    private PortRegistryImpl registry;
    private FrameChannel peer;
    private int mainEnd;
    private final AtomicBoolean exited = new AtomicBoolean();
    private final ManagedProcess process = process();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Throwable> peerFailures = new ArrayList<>();

    /** What the process does with each frame main sends it. */
    private interface Behaviour {
        void on(Frame f) throws Exception;
    }

    @Before
    public void attach() throws Exception {
        registry = new PortRegistryImpl(config());
        int[] pair = SeqPacketSocket.rawPair();
        mainEnd = pair[0];
        peer = new FrameChannel(pair[1], PID, 0);
        registry.attach(process, ProcessType.WORKER, 1, mainEnd, () -> { });
    }

    @After
    public void close() throws Exception {
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        registry.deactivate();
        peer.close();
        synchronized (peerFailures) {
            if (!peerFailures.isEmpty()) {
                throw new AssertionError("the peer failed", peerFailures.get(0));
            }
        }
    }

    /** Plays the process: reads what main sends and acts on each frame until stopped or the port ends. */
    private void serve(Behaviour b) {
        threads.execute(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Decoded d = peer.read(100);
                    if (d == null) {
                        return;
                    }
                    if (d.complete() && d.frame().type() == FrameType.DATA) {
                        b.on(d.frame());
                    }
                }
            } catch (Throwable t) {
                synchronized (peerFailures) {
                    peerFailures.add(t);
                }
            }
        });
    }

    /** Answers DATA upper-cased on its stream, as the sample worker does. */
    private void answer(Frame f) throws IOException {
        peer.send(FrameType.DATA, Frame.LAST, f.stream(), f.text().toUpperCase(Locale.ROOT)
            .getBytes(StandardCharsets.UTF_8), -1);
    }

    private byte[] call(String text, Duration timeout) throws Exception {
        return registry.call(TARGET, text.getBytes(StandardCharsets.UTF_8), timeout);
    }

    private String callText(String text) throws Exception {
        return new String(call(text, LONG), StandardCharsets.UTF_8);
    }

    private PortInfo info() {
        return registry.ports(PID).orElseThrow();
    }

    @Test
    public void aCallReturnsTheAnswerToItsStreamAndCountsLikeTheReader() throws Exception {
        serve(this::answer);
        for (int i = 0; i < 1000; i++) {
            assertEquals("PING " + i, callText("ping " + i));
        }
        assertEquals(1000, info().sent(MessageType.DATA));
        assertEquals(1000, info().received(MessageType.DATA));
    }

    @Test
    public void framesThatAreNotTheAnswerAreHandledAsTheReaderWouldOnTheCallersThread() throws Exception {
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        CompletableFuture<byte[]> earlier = new CompletableFuture<>();
        AtomicReference<Integer> firstStream = new AtomicReference<>();
        serve(f -> {
            if (f.text().equals("first")) {
                firstStream.set(f.stream());
                return; // answered only together with the call below
            }
            // Before the call's answer: a malformed frame, DATA main did not ask for, the earlier request's answer.
            ByteBuffer shortFrame = ByteBuffer.allocate(7);
            SeqPacketSocket.wrap(peer.fd(), Frame.MAX_FRAME).send(shortFrame);
            peer.send(FrameType.DATA, Frame.LAST, 5, "unasked".getBytes(StandardCharsets.UTF_8), -1);
            peer.send(FrameType.DATA, Frame.LAST, firstStream.get(), "FIRST".getBytes(StandardCharsets.UTF_8), -1);
            peer.send(FrameType.DATA, Frame.LAST | Frame.SYNC, 6, "sync".getBytes(StandardCharsets.UTF_8), -1);
            answer(f);
        });
        registry.request(TARGET, "first".getBytes(StandardCharsets.UTF_8)).whenComplete((a, t) -> {
            completedOn.set(Thread.currentThread());
            if (t != null) {
                earlier.completeExceptionally(t);
            } else {
                earlier.complete(a);
            }
        });
        assertEquals("SECOND", callText("second"));
        assertEquals("FIRST", new String(earlier.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        assertEquals("the earlier request was answered by the caller's own reading", Thread.currentThread(),
            completedOn.get());
        PortInfo info = info();
        assertEquals(4, info.received(MessageType.DATA));
        assertEquals(1, info.refused());
        assertEquals(Long.valueOf(1), registry.refused().get("short-header"));
        assertEquals("SYNC DATA is answered RPC_READY", 1, info.sent(MessageType.RPC_READY));
    }

    @Test
    public void concurrentCallsAndRequestsEachGetTheirOwnAnswer() throws Exception {
        serve(this::answer);
        int rounds = 2000;
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            String name = "t" + t;
            callers.add(threads.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    String q = name + " " + i;
                    assertEquals(q.toUpperCase(Locale.ROOT), callText(q));
                }
                return null;
            }));
        }
        callers.add(threads.submit(() -> {
            for (int i = 0; i < rounds; i++) {
                String q = "async " + i;
                byte[] a = registry.request(TARGET, q.getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
                assertEquals(q.toUpperCase(Locale.ROOT), new String(a, StandardCharsets.UTF_8));
            }
            return null;
        }));
        for (Future<?> c : callers) {
            c.get(120, TimeUnit.SECONDS);
        }
        assertEquals(4 * rounds, info().received(MessageType.DATA));
    }

    @Test
    public void afterACallTheReaderReadsThePortAgain() throws Exception {
        serve(f -> {
            if (f.text().equals("two")) {
                Thread.sleep(200); // the test's completion stage is in place before the answer comes
            }
            answer(f);
        });
        assertEquals("ONE", callText("one"));
        AtomicReference<String> thread = new AtomicReference<>();
        byte[] a = registry.request(TARGET, "two".getBytes(StandardCharsets.UTF_8))
            .whenComplete((x, t) -> thread.set(Thread.currentThread().getName())).toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
        assertEquals("TWO", new String(a, StandardCharsets.UTF_8));
        assertEquals("corral-ports", thread.get());
        // Unasked DATA between calls is read by the reader too.
        peer.send(FrameType.DATA, Frame.LAST, 9, new byte[1], -1);
        waitUntil("the reader counts the unasked DATA", () -> info().received(MessageType.DATA) == 3);
    }

    @Test
    public void aFrameRightAfterTheLastAnswerIsReadOnceThePortStopsLingering() throws Exception {
        serve(f -> {
            answer(f);
            peer.send(FrameType.DATA, Frame.LAST, 9, new byte[1], -1); // unasked, and no call comes after
        });
        for (int i = 0; i < 3; i++) {
            assertEquals("RUN " + i, callText("run " + i));
        }
        // The reader waited with no timeout when the run began: the port's lingering had to wake it.
        waitUntil("the reader takes the port back and counts the unasked DATA",
            () -> info().received(MessageType.DATA) == 6);
    }

    @Test
    public void aTimeoutFailsNamingThePidAndALateAnswerIsNotTakenForTheNextCall() throws Exception {
        List<Frame> held = new ArrayList<>();
        serve(f -> {
            if (f.text().equals("late")) {
                synchronized (held) {
                    held.add(f);
                }
            } else {
                synchronized (held) {
                    for (Frame h : held) {
                        answer(h);
                    }
                    held.clear();
                }
                answer(f);
            }
        });
        Map<Integer, String> fds = descriptors();
        long start = System.nanoTime();
        try {
            call("late", Duration.ofMillis(200));
            fail("no answer came");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("call to pid " + PID + ": no answer on stream "));
            assertTrue(e.getMessage(), e.getMessage().endsWith(" within 200 ms"));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis + " ms", millis >= 200 && millis < 5000);
        assertEquals("a timeout leaves no descriptor behind", Map.of(), opened(fds));
        assertEquals("NEXT", callText("next"));
        assertEquals("the late answer was read and dropped", 2, info().received(MessageType.DATA));
    }

    @Test
    public void aPeerThatClosesItsEndFailsTheCallAtOnce() throws Exception {
        serve(f -> peer.close());
        long start = System.nanoTime();
        try {
            call("bye", LONG);
            fail("the peer closed its end");
        } catch (IOException e) {
            assertEquals("call to pid " + PID + ": the port closed: its process closed its end, before the answer"
                + " came", e.getMessage());
        }
        assertTrue((System.nanoTime() - start) < 5_000_000_000L);
        assertFalse(info().open());
    }

    @Test
    public void aProcessThatExitsDuringACallFailsItAtOnceAndIsForgotten() throws Exception {
        Path mainEndLink = Files.readSymbolicLink(fd(mainEnd));
        serve(f -> {
            // The exit is seen (by its pidfd) while the call waits; its socket may still be open elsewhere.
            exited.set(true);
            registry.stateChanged(process, ProcessState.EXITED);
        });
        long start = System.nanoTime();
        try {
            call("bye", LONG);
            fail("the process exited");
        } catch (IOException e) {
            assertEquals("call to pid " + PID + ": the port closed: its process exited, before the answer came",
                e.getMessage());
        }
        assertTrue((System.nanoTime() - start) < 5_000_000_000L);
        assertTrue(registry.ports(PID).isEmpty());
        waitUntil("main's end is closed once the call left it", () -> !mainEndLink.equals(link(fd(mainEnd))));
    }

    @Test
    public void badArgumentsAndMissingPortsAreRefused() throws Exception {
        for (Duration d : new Duration[] {null, Duration.ZERO, Duration.ofMillis(-1)}) {
            try {
                registry.call(TARGET, new byte[1], d);
                fail("timeout " + d);
            } catch (IllegalArgumentException e) {
                assertEquals("timeout " + d + ": must be positive", e.getMessage());
            }
        }
        try {
            registry.call(new PortId(1, PortId.FIRST), new byte[1], LONG);
            fail("pid 1 has no port");
        } catch (IOException e) {
            assertEquals("no port 1:0: pid 1 has no port here (see corral:ports)", e.getMessage());
        }
        try {
            registry.call(TARGET, new byte[Frame.MAX_PAYLOAD + 1], LONG);
            fail("too long for one frame");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("at most " + Frame.MAX_PAYLOAD));
        }
        Thread.currentThread().interrupt();
        try {
            registry.call(TARGET, new byte[1], LONG);
            fail("interrupted");
        } catch (InterruptedException e) {
            assertFalse(Thread.currentThread().isInterrupted());
        }
        // The port still works for the reader and for calls.
        serve(this::answer);
        assertEquals("OK", callText("ok"));
    }

    // ---- helpers ----

    /** What a descriptor is ("socket:[INODE]"), or null when it is not open. */
    private static Path link(Path fd) {
        try {
            return Files.readSymbolicLink(fd);
        } catch (IOException e) {
            return null;
        }
    }

    private static Path fd(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** This JVM's open descriptors and what each refers to. */
    private static Map<Integer, String> descriptors() throws IOException {
        Map<Integer, String> fds = new java.util.TreeMap<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // The listing's own descriptor, whose number may differ from one listing to the next.
                    if (!target.matches("/proc/[0-9]+/fd")) {
                        fds.put(Integer.valueOf(p.getFileName().toString()), target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return fds;
    }

    /**
     * The descriptors open now that were not {@code before}, but for jars the
     * class loader opened meanwhile to load a class for the first time: a
     * leaked socket, pipe or pidfd shows here.
     */
    private static Map<Integer, String> opened(Map<Integer, String> before) throws IOException {
        Map<Integer, String> now = descriptors();
        now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())) || e.getValue().endsWith(".jar"));
        return now;
    }

    private static void waitUntil(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long end = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    private ManagedProcess process() {
        return (ManagedProcess) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ManagedProcess.class}, (proxy, method, args) -> switch (method.getName()) {
                case "pid" -> PID;
                case "exitStatus" -> exited.get() ? Optional.of(ExitStatus.exited(0)) : Optional.empty();
                case "toString" -> "process " + PID;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    private static PortRegistryImpl.Config config() {
        return new PortRegistryImpl.Config() {
            @Override
            public String[] connect() {
                return new String[] {"11111", "10000", "10010", "10101", "10000"};
            }

            @Override
            public String[] remove__notify() {
                return new String[] {"00000", "00000", "00010", "00101", "00010"};
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return PortRegistryImpl.Config.class;
            }
        };
    }

}
