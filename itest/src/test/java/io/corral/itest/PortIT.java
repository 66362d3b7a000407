package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.port.Matrix;
import io.corral.api.port.MessageType;
import io.corral.api.port.PortId;
import io.corral.api.port.PortInfo;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.Readiness;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.StopListener;
import io.corral.api.process.StopOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogReaderService;

/**
 * Ports between real processes: the distribution's sample router and sample
 * worker (the worker library in their own JVMs), and a deliberately bad peer.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PortIT {

    private static final long START_MILLIS = 60_000;

    @Inject
    private ProcessFactory factory;

    @Inject
    private PortRegistry registry;

    @Inject
    private CommandProcessor processor;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private LogReaderService logReader;

    private final List<ManagedProcess> spawned = new ArrayList<>();

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    @After
    public void stopWhatThisTestStarted() throws Exception {
        for (ManagedProcess p : spawned) {
            p.signal(9);
        }
        Procs.waitUntil("the ports of this test are forgotten", 5000, () -> spawned.stream()
            .allMatch(p -> registry.ports(p.pid()).isEmpty()));
    }

    // ---- helpers ----

    /** A sample from the distribution, through its launcher script, with readiness on the port. */
    private ManagedProcess sample(String launcher, ProcessType type, String name) throws Exception {
        Path script = CorralOptions.home().toPath().resolve("samples/bin/" + launcher);
        return spawn(SpawnSpec.builder(script.toString()).name(name).type(type).readiness(Readiness.PORT)
            .env("PATH", "/usr/bin:/bin").env("JAVA_HOME", System.getProperty("java.home"))
            // Quick start-up matters more than peak speed here.
            .env("JAVA_OPTS", "-XX:TieredStopAtLevel=1 -Xmx32m"));
    }

    private ManagedProcess spawn(SpawnSpec.Builder spec) throws Exception {
        ManagedProcess p = factory.spawn(spec.build());
        spawned.add(p);
        return p;
    }

    /** A controller, a router and two workers, as Unit runs them. */
    private record Family(ManagedProcess controller, ManagedProcess router, ManagedProcess w1, ManagedProcess w2) {
    }

    /** Spawns a {@link Family} of samples and waits until all are ready. */
    private Family family() throws Exception {
        Family f = new Family(sample("sample-worker", ProcessType.CONTROLLER, "controller"),
            sample("sample-router", ProcessType.ROUTER, "router"),
            sample("sample-worker", ProcessType.WORKER, "w1"),
            sample("sample-worker", ProcessType.WORKER, "w2"));
        awaitReady(f.controller(), f.router(), f.w1(), f.w2());
        return f;
    }

    private static void awaitReady(ManagedProcess... processes) throws InterruptedException {
        for (ManagedProcess p : processes) {
            Procs.waitUntil(p + " READY (log: " + log(p) + ")", START_MILLIS,
                () -> p.state() == ProcessState.READY || p.state() == ProcessState.EXITED);
            assertEquals(p + " exited early: " + log(p), ProcessState.READY, p.state());
        }
    }

    private static String log(ManagedProcess p) {
        try {
            return Files.readString(p.logFile().orElseThrow());
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }

    private PortInfo port(ManagedProcess p) {
        return registry.ports(p.pid()).orElseThrow(() -> new AssertionError("no port for " + p));
    }

    private Set<PortId> holds(ManagedProcess p) {
        return new HashSet<>(port(p).holds());
    }

    private Set<PortId> ports(ManagedProcess... owners) {
        Set<PortId> s = new HashSet<>();
        s.add(registry.mainPort());
        for (ManagedProcess p : owners) {
            s.add(new PortId(p.pid(), PortId.FIRST));
        }
        return s;
    }

    private String request(ManagedProcess p, String text) throws Exception {
        byte[] answer = registry.request(new PortId(p.pid(), PortId.FIRST), text.getBytes(StandardCharsets.UTF_8))
            .toCompletableFuture().get(20, TimeUnit.SECONDS);
        return new String(answer, StandardCharsets.UTF_8);
    }

    /** Kills a process; once its exit is seen, the registry has acted on its death. */
    private void kill(ManagedProcess p) throws Exception {
        assertTrue(p.signal(9));
        p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue("the port of " + p + " is forgotten", registry.ports(p.pid()).isEmpty());
    }

    private String run(String line) throws Exception {
        return Gogo.run(processor, line);
    }

    // ---- tests ----

    @Test
    public void whoHoldsWhatFollowsTheConnectMatrix() throws Exception {
        Family f = family();
        ManagedProcess controller = f.controller();
        ManagedProcess router = f.router();
        ManagedProcess w1 = f.w1();
        ManagedProcess w2 = f.w2();

        assertEquals("a router holds every worker's port and the controller's", ports(controller, w1, w2),
            holds(router));
        assertEquals("a worker holds only main's", ports(), holds(w1));
        assertEquals("a worker holds only main's", ports(), holds(w2));
        assertEquals("a controller holds main's and the router's", ports(router), holds(controller));
        Set<PortId> all = ports(controller, router, w1, w2);
        all.remove(registry.mainPort());
        assertEquals("main holds every port", all,
            new HashSet<>(registry.ports(registry.mainPort().pid()).orElseThrow().holds()));

        // The same through the shell, as a script reads it.
        JsonArray rows = JsonParser.parseString(run("corral:ports --json " + router.pid())).getAsJsonArray();
        assertEquals(1, rows.size());
        Set<String> shown = new HashSet<>();
        for (JsonElement h : rows.get(0).getAsJsonObject().get("holds").getAsJsonArray()) {
            // Each a typed object: {"pid": 12, "port": 0}.
            JsonObject port = h.getAsJsonObject();
            shown.add(new PortId(port.get("pid").getAsInt(), port.get("port").getAsInt()).toString());
        }
        Set<String> expected = new HashSet<>();
        ports(controller, w1, w2).forEach(id -> expected.add(id.toString()));
        assertEquals(expected, shown);
        assertEquals("router", rows.get(0).getAsJsonObject().get("type").getAsString());
    }

    @Test
    public void deathsAreToldByTheRemoveNotifyMatrixAndNobodyElse() throws Exception {
        Family f = family();
        ManagedProcess controller = f.controller();
        ManagedProcess router = f.router();
        ManagedProcess w1 = f.w1();
        ManagedProcess w2 = f.w2();

        kill(w1);
        assertEquals(1, port(router).sent(MessageType.REMOVE_PID));
        assertEquals(0, port(controller).sent(MessageType.REMOVE_PID));
        assertEquals(0, port(w2).sent(MessageType.REMOVE_PID));
        assertTrue("the dead worker's port is forgotten", registry.ports(w1.pid()).isEmpty());
        assertEquals("and nobody holds it", ports(controller, w2), holds(router));
        // Frames on a port arrive in order: once each has answered a ping, it has handled any REMOVE_PID.
        for (ManagedProcess p : List.of(router, controller, w2)) {
            assertEquals("PING", request(p, "ping"));
        }
        assertTrue(log(router), log(router).contains("remove pid " + w1.pid()));
        assertFalse(log(controller), log(controller).contains("remove pid"));
        assertFalse(log(w2), log(w2).contains("remove pid"));

        kill(router);
        assertEquals(1, port(controller).sent(MessageType.REMOVE_PID));
        assertEquals(1, port(w2).sent(MessageType.REMOVE_PID));
        assertEquals(ports(), holds(controller));
        for (ManagedProcess p : List.of(controller, w2)) {
            assertEquals("PING", request(p, "ping"));
            assertTrue(log(p), log(p).contains("remove pid " + router.pid()));
        }
    }

    @Test
    public void aRouterAndAWorkerExchangeDataThroughThePortMainPassed() throws Exception {
        ManagedProcess router = sample("sample-router", ProcessType.ROUTER, "router");
        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
        awaitReady(router, worker);
        String line = "worker " + worker.pid() + " answered: HELLO FROM ROUTER " + router.pid();
        Procs.waitUntil("the router logs the worker's answer", 20_000, () -> log(router).contains(line));
        assertTrue(log(worker), log(worker).contains("ready: worker"));
        // Many round trips through the same passed port, counted by the router.
        String bench = request(router, "bench 500");
        assertTrue(bench, bench.matches("500 \\d+"));
        assertEquals("main carried none of it", 1, port(router).received(MessageType.DATA)
            + port(worker).received(MessageType.DATA));
    }

    @Test
    public void aCallIsAnsweredOnTheCallersThreadAndFailsPromptlyWhenTheProcessDies() throws Exception {
        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
        awaitReady(worker);
        PortId toWorker = new PortId(worker.pid(), PortId.FIRST);
        long before = port(worker).received(MessageType.DATA);
        for (int i = 0; i < 50; i++) {
            // Calls and asynchronous requests on the same port: each answer reaches its own asker.
            CompletableFuture<byte[]> async = registry.request(toWorker, ("async " + i).getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture();
            byte[] answer = registry.call(toWorker, ("call " + i).getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(20));
            assertEquals("CALL " + i, new String(answer, StandardCharsets.UTF_8));
            assertEquals("ASYNC " + i, new String(async.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        }
        assertEquals("the reader and the callers counted every answer", before + 100,
            port(worker).received(MessageType.DATA));

        // A process that never reads its port: the call waits, and its death ends the wait at once.
        ManagedProcess silent = spawn(SpawnSpec.builder("/bin/sleep").arguments("30"));
        PortId toSilent = new PortId(silent.pid(), PortId.FIRST);
        try {
            registry.call(toSilent, new byte[1], Duration.ofMillis(300));
            fail("nobody answers");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("call to pid " + silent.pid() + ": no answer"));
        }
        CompletableFuture.runAsync(() -> {
            sleepQuietly(500);
            silent.signal(9);
        });
        long start = System.nanoTime();
        try {
            registry.call(toSilent, new byte[1], Duration.ofSeconds(30));
            fail("the process died before answering");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("call to pid " + silent.pid() + ": the port "));
        }
        assertTrue("failed at the death, not at the timeout",
            System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        silent.waitFor(Duration.ofSeconds(10));
        Procs.waitUntil("the port of the dead process is forgotten", 10_000,
            () -> registry.ports(silent.pid()).isEmpty());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    public void aWorkerInPythonSpeaksTheDocumentedProtocol() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assume.assumeTrue("needs " + python, Files.isExecutable(python));
        Path script = CommandLineIT.repo().resolve("docs/examples/echo_worker.py");
        ManagedProcess router = sample("sample-router", ProcessType.ROUTER, "router");
        ManagedProcess worker = spawn(SpawnSpec.builder(python.toString()).arguments(script.toString())
            .name("python-worker").readiness(Readiness.PORT));
        awaitReady(router, worker);
        assertEquals(ports(), holds(worker));
        assertTrue(holds(router).contains(new PortId(worker.pid(), PortId.FIRST)));
        String line = "worker " + worker.pid() + " answered: HELLO FROM ROUTER " + router.pid();
        Procs.waitUntil("the router logs the Python worker's answer", 20_000, () -> log(router).contains(line));
        assertEquals("HELLO, PYTHON", request(worker, "hello, python"));
        registry.quit(worker.pid());
        assertEquals(log(worker), ExitStatus.exited(0), worker.onExit().toCompletableFuture().get(10,
            TimeUnit.SECONDS));
        Procs.waitUntil("the router hears of the Python worker's exit", 10_000,
            () -> log(router).contains("remove pid " + worker.pid()));
    }

    @Test
    public void malformedFramesAreRefusedLoggedCountedAndLeakNothing() throws Exception {
        // Warm up: lazily opened descriptors (log directory, jars) exist before counting.
        ManagedProcess warm = spawn(SpawnSpec.builder("/bin/true"));
        warm.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int jvm = Procs.self();
        int fds = Procs.descriptors(jvm);
        Map<String, Long> before = new HashMap<>(registry.refused());
        Path repo = CommandLineIT.repo();
        String classPath = repo.resolve("itest/target/test-classes") + File.pathSeparator
            + CorralOptions.home().toPath().resolve("samples/lib/io.corral.posix.jar") + File.pathSeparator
            + CorralOptions.home().toPath().resolve("samples/lib/io.corral.jnr.jar");

        ManagedProcess bad;
        String log;
        try (LogCapture capture = new LogCapture(logReader)) {
            bad = spawn(SpawnSpec.builder(System.getProperty("java.home") + "/bin/java").name("bad-peer")
                .readiness(Readiness.PORT).arguments("-XX:TieredStopAtLevel=1", "-Xmx32m", "-cp", classPath,
                    BadPeer.class.getName()));
            awaitReady(bad);
            Procs.waitUntil("main closes the bad peer's port after it closed its end", 20_000,
                () -> !port(bad).open());
            // The Log Service hands entries to its listeners on a thread of its own.
            Procs.waitUntil("the refusals in the log", 5_000,
                () -> capture.text().contains("further refusals from it are only counted"));
            Thread.sleep(200);
            log = capture.text();
        }

        Map<String, Long> expected = Map.of("short-header", 1L, "bad-length", 1L, "unknown-type", 1L,
            "unexpected-descriptor", (long) BadPeer.STRAY_DESCRIPTORS, "oversize", 1L, "unexpected-type", 1L,
            "bad-stream", 1L, "closed-mid-message", 1L);
        Map<String, Long> after = registry.refused();
        long total = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            assertEquals(e.getKey() + " in " + after, e.getValue().longValue(),
                after.getOrDefault(e.getKey(), 0L) - before.getOrDefault(e.getKey(), 0L));
            total += e.getValue();
        }
        PortInfo info = port(bad);
        assertEquals(total, info.refused());
        assertEquals("the valid PROCESS_READY in between was taken", 1, info.received(MessageType.PROCESS_READY));
        assertTrue(info.ready());

        assertTrue(log, log.contains("[io.corral.port] refused a frame from pid " + bad.pid()
            + ": short-header: 7 bytes"));
        assertTrue(log, log.contains("bad-length: payload length 100 but 10 bytes follow the header"));
        assertTrue(log, log.contains("further refusals from it are only counted"));
        assertEquals("logging is bounded for a flooding peer: " + log, 20,
            log.lines().filter(l -> l.contains("refused a frame from pid " + bad.pid())).count());

        // Once the bad peer is gone (its pidfd closed), the JVM holds no more descriptors than before it.
        kill(bad);
        assertTrue("no descriptor leaked: JVM has " + Procs.descriptors(jvm) + ", had " + fds,
            Procs.descriptors(jvm) <= fds);

        // The container goes on: the reader still reads, a new worker answers.
        assertTrue(Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("corral-ports") && t.isAlive()));
        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "after-bad-peer");
        awaitReady(worker);
        assertEquals("STILL HERE", request(worker, "still here"));
    }

    @Test
    public void quitEndsTheSamplesCleanly() throws Exception {
        ManagedProcess router = sample("sample-router", ProcessType.ROUTER, "router");
        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
        awaitReady(router, worker);
        for (ManagedProcess p : List.of(worker, router)) {
            registry.quit(p.pid());
            assertEquals(log(p), ExitStatus.exited(0), p.onExit().toCompletableFuture().get(20, TimeUnit.SECONDS));
            assertTrue(log(p), log(p).contains(": quit\n"));
            assertTrue(log(p), log(p).contains(": exiting\n"));
        }
    }

    @Test
    public void stopSendsQuitToAWorkerThatSaidReadyAndSigtermToOneThatDidNot() throws Exception {
        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
        ManagedProcess silent = spawn(SpawnSpec.builder("/bin/sleep").arguments("30").readiness(Readiness.PORT));
        awaitReady(worker);
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        StopListener listener = (signal, waited) -> told.add(signal + " after " + waited.toMillis());
        StopOptions slow = StopOptions.builder().quitTimeout(Duration.ofSeconds(30)).killTimeout(Duration.ofSeconds(30))
            .listener(listener).build();
        assertEquals(log(worker), ExitStatus.exited(0),
            worker.stop(slow).toCompletableFuture().get(20, TimeUnit.SECONDS));
        assertTrue(log(worker), log(worker).contains(": quit\n"));
        assertTrue(log(worker), log(worker).contains(": exiting\n"));
        // It has a port but never said PROCESS_READY there: it would not read a QUIT.
        assertEquals(ExitStatus.killed(15), silent.stop(slow).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("both left at the first step", List.of(), told);
    }

    @Test
    public void plainExecutablesAreReadyAtExecAndProtocolWorkersWhenTheySaySo() throws Exception {
        ManagedProcess plain = spawn(SpawnSpec.builder("/bin/sleep").arguments("30"));
        assertEquals(ProcessState.READY, plain.state());
        ManagedProcess silent = spawn(SpawnSpec.builder("/bin/sleep").arguments("30").readiness(Readiness.PORT));
        Thread.sleep(500);
        assertEquals("it never says PROCESS_READY", ProcessState.RUNNING, silent.state());
        assertFalse(port(silent).ready());
        assertTrue("every process gets a port", port(plain).open());
    }

    @Test
    public void theBenchmarkRunsEveryKindInOneRun() throws Exception {
        String out = run("corral:bench-ports --rounds 200 --warmup 0");
        List<String> rows = out.lines().filter(l -> l.matches(".*\\d+\\.\\d\\d us +\\d+\\.\\d\\dx.*")).toList();
        assertEquals(out, 7, rows.size());
        for (String kind : List.of("C ping-pong, blocking", "C ping-pong, epoll loops", "C, Corral's system calls",
                "main <-> worker",
                "main <-> worker, async", "main <-> worker, chained", "router <-> worker")) {
            assertTrue(out, rows.stream().anyMatch(r -> r.startsWith(kind + " ")));
        }
        assertTrue(out, rows.get(0).contains("1.00x"));
        try {
            run("corral:bench-ports --rounds 0");
            fail("--rounds 0 must be refused");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("corral:bench-ports: --rounds must be at least 1"));
        }
    }

    @Test
    public void theMatricesAreReplacedByConfigurationAndABadOneChangesNothing() throws Exception {
        org.osgi.service.cm.Configuration config = configAdmin.getConfiguration("io.corral.port", "?");
        try (LogCapture capture = new LogCapture(logReader)) {
            Hashtable<String, Object> p = new Hashtable<>();
            // Workers hold the router's port too.
            p.put("connect", new String[] {"11111", "10000", "10010", "10101", "10010"});
            p.put("remove_notify", Matrix.DEFAULT_REMOVE_NOTIFY.rows());
            config.update(p);
            Procs.waitUntil("the new connect matrix is in force", 10_000,
                () -> registry.connectMatrix().allows(ProcessType.WORKER, ProcessType.ROUTER));
            ManagedProcess router = sample("sample-router", ProcessType.ROUTER, "router");
            ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
            awaitReady(router, worker);
            assertEquals(ports(router), holds(worker));

            p.put("connect", new String[] {"11111", "10000", "10010", "10101", "00000"});
            config.update(p);
            Procs.waitUntil("the bad configuration is reported", 10_000,
                () -> capture.text().contains("keeping the matrices in force"));
            assertTrue(capture.text(), capture.text().contains("[io.corral.port] configuration io.corral.port,"
                + " connect: row worker column main is 0, must be 1"));
            assertTrue("the matrices in force stay", registry.connectMatrix().allows(ProcessType.WORKER,
                ProcessType.ROUTER));
        } finally {
            config.delete();
        }
        Procs.waitUntil("the defaults are back", 10_000,
            () -> registry.connectMatrix().equals(Matrix.DEFAULT_CONNECT));
    }

    @Test
    public void theShellShowsTheMatricesAndSendsData() throws Exception {
        String matrix = run("corral:matrix");
        assertTrue(matrix, matrix.contains("connect     main  discovery  controller  router  worker\n"));
        assertTrue(matrix, matrix.contains("router      1     0          1           0       1\n"));
        assertTrue(matrix, matrix.contains("remove-notify  main  discovery  controller  router  worker\n"));
        assertTrue(matrix, matrix.contains("worker         0     0          0           1       0"));

        ManagedProcess worker = sample("sample-worker", ProcessType.WORKER, "worker");
        awaitReady(worker);
        assertEquals("pid " + worker.pid() + " answered: HELLO THERE\n", run("corral:send " + worker.pid()
            + " hello there"));
        try {
            run("corral:send 1 x");
            fail("pid 1 has no port");
        } catch (IllegalArgumentException e) {
            assertEquals("corral:send: no port 1:0: pid 1 has no port here (see corral:ports)", e.getMessage());
        }
    }
}
