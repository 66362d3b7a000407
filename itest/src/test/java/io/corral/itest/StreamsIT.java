package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.api.process.Stdio.Redirect;
import io.corral.api.process.StreamHandler;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** A process's standard streams as pipes, files and the rest, in a running Felix with real processes. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StreamsIT {

    private static final Set<Namespace> FIVE = EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT,
        Namespace.UNAME, Namespace.IPC);
    private static final String SCRIPT = "echo out; echo err >&2; read x; echo got $x";

    @Inject
    private ProcessFactory factory;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    /** Five namespaces with our own uid mapped to root, as ProcessIT spawns them. */
    private static IsolationRequest isolated() throws IOException {
        long uid = Long.parseLong(Procs.status(Procs.self(), "Uid").split(" ")[0]);
        return new IsolationRequest(FIVE, List.of(new IdMapEntry(0, uid, 1)), List.of(), null, true);
    }

    private static SpawnSpec.Builder sh(String script) {
        return SpawnSpec.builder("/bin/sh").arguments("-c", script);
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    public void anIsolatedShellReadsStdinAndWritesBothOutputs() throws Exception {
        ManagedProcess p = factory.spawn(sh(SCRIPT).isolation(isolated()).stdio(Stdio.PIPES).build());
        assertEquals(Set.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT, Namespace.UNAME, Namespace.IPC),
            p.namespaces());
        try (OutputStream in = p.stdin()) {
            in.write("hello\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("out\ngot hello\n", readAll(p.stdout()));
        assertEquals("err\n", readAll(p.stderr()));
        assertEquals(ExitStatus.exited(0), p.waitFor(Duration.ofSeconds(10)).orElseThrow());
        assertEquals("the same stream each time", p.stdout(), p.stdout());
    }

    @Test
    public void asProcessWorksWithPlainProcessCalls() throws Exception {
        Process proc = factory.spawn(sh(SCRIPT).isolation(isolated()).stdio(Stdio.PIPES).build()).asProcess();
        assertTrue(proc.isAlive());
        assertTrue(proc.pid() > 0);
        try (OutputStream in = proc.getOutputStream()) {
            in.write("hello\n".getBytes(StandardCharsets.UTF_8));
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.UTF_8))) {
            r.lines().forEach(lines::add);
        }
        assertEquals(List.of("out", "got hello"), lines);
        assertEquals("err\n", readAll(proc.getErrorStream()));
        assertTrue(proc.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, proc.waitFor());
        assertEquals(0, proc.exitValue());
        assertFalse(proc.isAlive());
        assertEquals(proc, proc.onExit().get(1, TimeUnit.SECONDS));

        // Streams that are no pipe are null streams, as ProcessBuilder gives them.
        Process logged = factory.spawn(sh("cat; echo to-the-log").build()).asProcess();
        assertEquals(-1, logged.getInputStream().read());
        assertEquals(-1, logged.getErrorStream().read());
        try {
            logged.getOutputStream().write('x');
            fail("stdin is /dev/null: writing must fail");
        } catch (IOException e) {
            assertEquals("Stream closed: stdin is not a PIPE", e.getMessage());
        }
        assertEquals(0, logged.waitFor());

        // destroy() is the quit sequence (SIGTERM for a plain program), destroyForcibly() SIGKILL.
        Process sleeper = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30").build()).asProcess();
        sleeper.destroy();
        assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
        assertEquals(128 + 15, sleeper.exitValue());
        Process stubborn = factory.spawn(sh("trap '' TERM; sleep 30").build()).asProcess();
        Thread.sleep(200); // let the shell set its trap
        assertTrue(stubborn.destroyForcibly().waitFor(5, TimeUnit.SECONDS));
        assertEquals(128 + 9, stubborn.exitValue());
    }

    /** Collects what a handler saw of one process. */
    private static final class Collector implements StreamHandler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CountDownLatch closed = new CountDownLatch(2);
        final Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private boolean written;

        @Override
        public void onStdout(ManagedProcess process, ByteBuffer buffer, boolean eof) {
            take(out, buffer, eof);
        }

        @Override
        public void onStderr(ManagedProcess process, ByteBuffer buffer, boolean eof) {
            take(err, buffer, eof);
        }

        private void take(ByteArrayOutputStream to, ByteBuffer buffer, boolean eof) {
            threads.add(Thread.currentThread().getName());
            byte[] b = new byte[buffer.remaining()];
            buffer.get(b);
            to.writeBytes(b);
            if (eof) {
                closed.countDown();
            }
        }

        @Override
        public boolean onStdinReady(ManagedProcess process, ByteBuffer buffer) {
            threads.add(Thread.currentThread().getName());
            if (!written) {
                buffer.put("hello\n".getBytes(StandardCharsets.UTF_8));
                written = true;
                process.closeStdin();
            }
            return false;
        }
    }

    @Test
    public void aStreamHandlerReadsEveryProcessOnOneThread() throws Exception {
        int n = 20;
        // Start the stream thread first, so that the count below is of what the spawns add.
        Collector warm = new Collector();
        ManagedProcess first = factory.spawn(sh(SCRIPT).stdio(Stdio.builder().input(Redirect.PIPE)
            .output(Redirect.PIPE).error(Redirect.PIPE).handler(warm).build()).build());
        first.wantWrite();
        assertTrue(warm.closed.await(10, TimeUnit.SECONDS));
        int threads = Procs.threads();
        List<ManagedProcess> ps = new ArrayList<>();
        List<Collector> cs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Collector c = new Collector();
            ManagedProcess p = factory.spawn(sh(SCRIPT).isolation(isolated()).stdio(Stdio.PIPES).build());
            p.handleStreams(c);
            cs.add(c);
            ps.add(p);
        }
        // All twenty wait for their stdin now: no thread was added for their streams.
        assertTrue("threads " + Procs.threads() + " vs " + threads, Procs.threads() <= threads);
        ps.forEach(ManagedProcess::wantWrite);
        for (int i = 0; i < n; i++) {
            assertTrue("end of file of both outputs of " + ps.get(i), cs.get(i).closed.await(10, TimeUnit.SECONDS));
            assertEquals("out\ngot hello\n", cs.get(i).out.toString(StandardCharsets.UTF_8));
            assertEquals("err\n", cs.get(i).err.toString(StandardCharsets.UTF_8));
            assertEquals(ExitStatus.exited(0), ps.get(i).waitFor(Duration.ofSeconds(10)).orElseThrow());
            assertEquals(Set.of("corral-streams"), cs.get(i).threads);
        }
        // A handler that comes after the exit still gets the output, drained at the exit, on the same thread.
        ManagedProcess late = factory.spawn(sh("echo late; echo later >&2").stdio(Stdio.PIPES).build());
        assertEquals(ExitStatus.exited(0), late.waitFor());
        Collector c = new Collector();
        late.handleStreams(c);
        late.wantWrite(); // stdin was closed at the exit: nothing to ask
        assertTrue(c.closed.await(10, TimeUnit.SECONDS));
        assertEquals("late\n", c.out.toString(StandardCharsets.UTF_8));
        assertEquals("later\n", c.err.toString(StandardCharsets.UTF_8));
        assertEquals(Set.of("corral-streams"), c.threads);
        try {
            ps.get(0).stdout();
            fail("a handled stdout has no blocking stream");
        } catch (IllegalStateException e) {
            assertEquals("stdout of sh[" + ps.get(0).pid() + "] is read by a StreamHandler", e.getMessage());
        }
    }

    @Test
    public void errorIntoOutputMerges() throws Exception {
        ManagedProcess p = factory.spawn(sh("echo a; echo b >&2; echo c").stdio(Stdio.builder()
            .output(Redirect.PIPE).redirectErrorStream(true).build()).build());
        assertEquals("a\nb\nc\n", readAll(p.stdout()));
        assertEquals(ExitStatus.exited(0), p.waitFor());
        try {
            p.stderr();
            fail("stderr went into stdout");
        } catch (IllegalStateException e) {
            assertEquals("stderr of sh[" + p.pid() + "] is not a PIPE: it is redirected into stdout", e.getMessage());
        }
        try {
            p.stdin();
            fail("stdin is /dev/null");
        } catch (IllegalStateException e) {
            assertEquals("stdin of sh[" + p.pid() + "] is not a PIPE: it is DISCARD", e.getMessage());
        }
        // Into a file: both streams in their order, in one file.
        Path file = Files.createTempFile("corral-merged", ".txt");
        ManagedProcess f = factory.spawn(sh("echo a; echo b >&2; echo c").stdio(Stdio.builder()
            .output(Redirect.to(file)).redirectErrorStream(true).build()).build());
        assertEquals(ExitStatus.exited(0), f.waitFor());
        assertEquals("a\nb\nc\n", Files.readString(file));
    }

    @Test
    public void filesAreTruncatedOrAppendedTo() throws Exception {
        Path out = Files.createTempFile("corral-out", ".txt");
        Path err = Files.createTempFile("corral-err", ".txt");
        Path in = Files.createTempFile("corral-in", ".txt");
        Files.writeString(out, "old contents that are longer\n");
        Files.writeString(err, "kept\n");
        Files.writeString(in, "from a file\n");
        ManagedProcess p = factory.spawn(sh("cat; echo new; echo more >&2").stdio(Stdio.builder()
            .input(Redirect.from(in)).output(Redirect.to(out)).error(Redirect.appendTo(err)).build()).build());
        assertEquals(ExitStatus.exited(0), p.waitFor());
        assertEquals("from a file\nnew\n", Files.readString(out));
        assertEquals("kept\nmore\n", Files.readString(err));
        assertTrue("no log file for streams that go elsewhere", p.logFile().isEmpty());
        // DISCARD drops both.
        ManagedProcess d = factory.spawn(sh("echo gone; echo gone >&2").stdio(Stdio.builder()
            .output(Redirect.DISCARD).error(Redirect.DISCARD).build()).build());
        assertEquals(ExitStatus.exited(0), d.waitFor());
        assertTrue(d.logFile().isEmpty());
        // The default is still the process's log file.
        ManagedProcess logged = factory.spawn(sh("echo logged; echo also >&2").build());
        assertEquals(ExitStatus.exited(0), logged.waitFor());
        assertEquals("logged\nalso\n", Files.readString(logged.logFile().orElseThrow()));
        // A redirect that makes no sense for a stream is refused with the rule.
        try {
            Stdio.builder().input(Redirect.appendTo(out));
            fail("input cannot be appended to");
        } catch (IllegalArgumentException e) {
            assertEquals("input \"APPEND " + out + "\": input cannot be written to (APPEND is for output and error)",
                e.getMessage());
        }
        try {
            Stdio.builder().output(Redirect.from(in));
            fail("output cannot be read from");
        } catch (IllegalArgumentException e) {
            assertEquals("output \"READ " + in + "\": output cannot be read from (READ is for input)", e.getMessage());
        }
    }

    @Test
    public void aRefusedSpawnWithPipesLeavesNoDescriptorAndNoThread() throws Exception {
        // A script whose interpreter is missing passes every check and fails in execve, in the server.
        Path script = Files.createTempFile("corral", ".sh");
        Files.writeString(script, "#!/no/such/interpreter\n");
        script.toFile().setExecutable(true);
        // Warm up: the stream thread, the log directory.
        ManagedProcess warm = factory.spawn(sh("echo hi").stdio(Stdio.PIPES).build());
        warm.handleStreams(new Collector());
        assertEquals(ExitStatus.exited(0), warm.waitFor());
        int jvm = Procs.self();
        Procs.waitUntil("the warm-up's pipes closed", 2000, () -> Procs.descriptors(jvm) > 0);
        Thread.sleep(100);
        int fds = Procs.descriptors(jvm);
        int threads = Procs.threads();
        for (int i = 0; i < 20; i++) {
            try {
                factory.spawn(SpawnSpec.builder(script.toString()).stdio(Stdio.PIPES).build());
                fail("must fail");
            } catch (SpawnException e) {
                assertEquals("execve " + script + ": No such file or directory", e.getMessage());
            }
            try {
                factory.spawn(sh("true").workingDirectory("/no/such/dir").stdio(Stdio.PIPES).build());
                fail("must fail");
            } catch (SpawnException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("working_directory \"/no/such/dir\""));
            }
        }
        assertTrue("descriptors of the JVM " + Procs.descriptors(jvm) + " vs " + fds, Procs.descriptors(jvm) <= fds);
        assertTrue("threads of the JVM " + Procs.threads() + " vs " + threads, Procs.threads() <= threads);
    }

    @Test
    public void tenMegabytesNobodyReadsBlockOnlyTheirWriter() throws Exception {
        ManagedProcess flood = factory.spawn(SpawnSpec.builder("/usr/bin/head").arguments("-c", "10000000",
            "/dev/zero").stdio(Stdio.builder().output(Redirect.PIPE).build()).build());
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            ManagedProcess p = factory.spawn(sh("echo " + i).stdio(Stdio.PIPES).build());
            assertEquals(i + "\n", readAll(p.stdout()));
            assertEquals(ExitStatus.exited(0), p.waitFor(Duration.ofSeconds(5)).orElseThrow());
        }
        assertTrue("20 spawns beside a blocked writer took " + (System.nanoTime() - start) / 1_000_000 + " ms",
            System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        assertTrue("the writer is blocked on its full pipe, not ended", flood.waitFor(Duration.ZERO).isEmpty());
        // Reading it now gets every byte.
        long total = 0;
        byte[] b = new byte[65536];
        InputStream in = flood.stdout();
        for (int n; (n = in.read(b)) >= 0;) {
            total += n;
        }
        assertEquals(10_000_000L, total);
        assertEquals(ExitStatus.exited(0), flood.waitFor(Duration.ofSeconds(5)).orElseThrow());
    }

    @Test
    public void aChildThatClosesItsEndsEarly() throws Exception {
        ManagedProcess p = factory.spawn(sh("exec <&- >&- 2>&-; sleep 1").stdio(Stdio.PIPES).build());
        assertEquals("end of file while the child still runs", -1, p.stdout().read());
        assertEquals(-1, p.stderr().read());
        assertTrue(p.waitFor(Duration.ZERO).isEmpty());
        OutputStream in = p.stdin();
        try {
            for (int i = 0; i < 100; i++) {
                in.write(new byte[1024]);
            }
            fail("writing to a closed stdin must fail");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("stdin of sh[" + p.pid() + "]: the process closed it"));
        }
        assertEquals(ExitStatus.exited(0), p.waitFor(Duration.ofSeconds(5)).orElseThrow());
    }

    @Test
    public void manySpawnsWithPipesLeakNoDescriptor() throws Exception {
        int jvm = Procs.self();
        ManagedProcess warm = factory.spawn(sh("echo hi").stdio(Stdio.PIPES).build());
        warm.handleStreams(new Collector());
        warm.waitFor();
        Thread.sleep(100);
        int fds = Procs.descriptors(jvm);
        for (int i = 0; i < 150; i++) {
            ManagedProcess p = factory.spawn(sh("echo hi; echo ho >&2").stdio(Stdio.PIPES).build());
            switch (i % 3) {
                case 0 -> { // read both to the end; stdin is never touched
                    assertEquals("hi\n", readAll(p.stdout()));
                    assertEquals("ho\n", readAll(p.stderr()));
                }
                case 1 -> { // nobody reads: what is left is drained at the exit
                }
                default -> p.handleStreams(new Collector());
            }
            assertEquals(ExitStatus.exited(0), p.waitFor(Duration.ofSeconds(5)).orElseThrow());
            if (i % 3 == 1) {
                assertEquals("drained after the exit", "hi\n", readAll(p.stdout()));
            }
        }
        Procs.waitUntil("JVM descriptors back to " + fds + " from " + Procs.descriptors(jvm), 3000,
            () -> Procs.descriptors(jvm) <= fds);
    }
}
