package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.api.process.StopListener;
import io.corral.api.process.StopOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** The process factory in a running Felix, spawning real processes. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ProcessIT {

    private static final Set<Namespace> FIVE = EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT,
        Namespace.UNAME, Namespace.IPC);
    private static final List<String> NS = List.of("user", "pid", "mnt", "uts", "ipc");

    @Inject
    private ProcessFactory factory;

    @Inject
    private BundleContext context;

    /** corral:spawn's processes are the shell bundle's: the operator's view sees them. */
    @Inject
    private io.corral.api.process.ProcessAdmin admin;

    @Inject
    private org.apache.felix.service.command.CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    /** Runs a shell script to completion and returns what it printed. */
    private String run(SpawnSpec.Builder spec) throws Exception {
        Path out = Files.createTempFile("corral-out", ".txt");
        ManagedProcess p = factory.spawn(spec.stdio(Stdio.files(null, out, out)).build());
        ExitStatus status = p.onExit().toCompletableFuture().get(30, TimeUnit.SECONDS);
        String text = Files.readString(out);
        assertEquals("exit of " + p + ", output: " + text, ExitStatus.exited(0), status);
        return text;
    }

    private static SpawnSpec.Builder sh(String script) {
        return SpawnSpec.builder("/bin/sh").arguments("-c", script);
    }

    private static String nsLinks() {
        return "for n in user pid mnt uts ipc; do readlink /proc/self/ns/$n; done";
    }

    private static List<String> ownNamespaces() throws Exception {
        return NS.stream().map(n -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc/self/ns/" + n)).toString();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    public void fiveNamespacesWithAOneEntryMap() throws Exception {
        long uid = Long.parseLong(Procs.status(Procs.self(), "Uid").split(" ")[0]);
        // The host name is Corral's to set (the child has no CAP_SYS_ADMIN once its /proc is mounted).
        IsolationRequest iso = new IsolationRequest(FIVE, List.of(new IdMapEntry(0, uid, 1)), List.of(),
            "inside-corral", true);
        // The host's name as the kernel has it: no name resolution, which a host without an entry for its name fails.
        Path hostname = Path.of("/proc/sys/kernel/hostname");
        String before = Files.readString(hostname).trim();
        String out = run(sh("echo $$; id -u; " + nsLinks() + "; hostname").isolation(iso));
        List<String> lines = out.lines().toList();
        assertEquals("pid 2: Corral's init is 1. " + out, "2", lines.get(0));
        assertEquals(out, "0", lines.get(1));
        List<String> mine = ownNamespaces();
        for (int i = 0; i < NS.size(); i++) {
            assertNotEquals("namespace " + NS.get(i) + " must differ: " + out, mine.get(i), lines.get(2 + i));
        }
        assertEquals("inside-corral", lines.get(7));
        assertEquals("the hostname set inside must not leak", before, Files.readString(hostname).trim());
        assertNotEquals("inside-corral", before);
    }

    @Test
    public void noNamespacesAndExplicitlyOffShareEveryNamespace() throws Exception {
        List<String> mine = ownNamespaces();
        assertEquals(mine, run(sh(nsLinks())).lines().toList());
        IsolationRequest off = new IsolationRequest(Set.of(), List.of(), List.of(), null, true);
        assertEquals(mine, run(sh(nsLinks()).isolation(off)).lines().toList());
    }

    @Test
    public void childHoldsItsThreeStandardDescriptorsAndItsPortOnly() throws Exception {
        // The shell lists its own descriptors while ls runs: only 0, 1, 2 and its port were given.
        String out = run(sh("ls /proc/$$/fd; echo \"port $CORRAL_PORT_FD\"; readlink /proc/$$/fd/3"));
        List<String> lines = out.lines().toList();
        assertEquals(out, List.of("0", "1", "2", "3", "port 3"), lines.subList(0, 5));
        assertTrue(out, lines.get(5).startsWith("socket:["));
        assertEquals(out, 6, lines.size());
    }

    @Test
    public void badInputFailsClearlyAndLeavesNothingBehind() throws Exception {
        int jvm = Procs.self();
        File notExecutable = File.createTempFile("corral", ".txt");
        factory.processes(); // settle lazy initialisation before counting
        Set<Namespace> cred = EnumSet.of(Namespace.CREDENTIAL);
        IdMapEntry zero = new IdMapEntry(0, 0, 1);
        Object[][] cases = {
            {SpawnSpec.builder("/no/such/program"), "executable \"/no/such/program\": no such file"},
            {SpawnSpec.builder(notExecutable.getPath()), "not executable"},
            {SpawnSpec.builder("no-such-program-anywhere"), "not found in PATH"},
            {sh("true").isolation(new IsolationRequest(Set.of(), List.of(zero), List.of(), null, true)),
                "\"uidmap\" requires the \"credential\" namespace"},
            {sh("true").isolation(new IsolationRequest(cred, List.of(new IdMapEntry(0, 0, 10),
                new IdMapEntry(5, 100, 10)), List.of(), null, true)), "overlaps uidmap[0]"},
            {sh("true").isolation(new IsolationRequest(cred, List.of(new IdMapEntry(0, 0, 0)), List.of(), null,
                true)), "\"size\" must be at least 1"},
            {sh("true").isolation(new IsolationRequest(cred, List.of(new IdMapEntry(0, 4294967290L, 10)),
                List.of(), null, true)), "host ids must lie in"},
            {sh("true").workingDirectory("/no/such/dir"), "working_directory \"/no/such/dir\": no such directory"},
            {sh("true").user("no-such-user-here"), "user \"no-such-user-here\" not found"},
            {sh("true").isolation(IsolationRequest.of(EnumSet.of(Namespace.NETWORK, Namespace.CGROUP)))
                .user("nobody").group("no-such-group-here"), "group \"no-such-group-here\" not found"},
        };
        // Warm up once so that lazily created descriptors (jar files, the log directory) exist before counting.
        run(sh("true"));
        int fds = Procs.descriptors(jvm);
        int threads = Procs.threads();
        for (Object[] c : cases) {
            SpawnSpec spec = ((SpawnSpec.Builder) c[0]).build();
            int before = factory.processes().size();
            try {
                factory.validate(spec);
                fail("validate of " + spec + " must fail");
            } catch (SpawnException e) {
                assertTrue("validate message for " + spec.executable() + ": " + e.getMessage(),
                    e.getMessage().contains((String) c[1]));
            }
            try {
                factory.spawn(spec);
                fail("spawn of " + spec + " must fail");
            } catch (SpawnException e) {
                assertTrue("message for " + spec.executable() + ": " + e.getMessage(),
                    e.getMessage().contains((String) c[1]));
            }
            assertEquals("no process registered", before, factory.processes().size());
        }
        assertTrue("descriptors of the JVM " + Procs.descriptors(jvm) + " vs " + fds, Procs.descriptors(jvm) <= fds);
        // Threads of earlier tests may still be ending meanwhile; a failure must only never add one.
        assertTrue("threads of the JVM " + Procs.threads() + " vs " + threads, Procs.threads() <= threads);
        assertEquals("zombies", List.of(), Procs.zombies(jvm));
        for (int server : Procs.childrenRunning(jvm, "corral-spawnd")) {
            assertEquals("children of spawn server " + server, List.of(), Procs.children(server));
        }
    }

    @Test
    public void execFailureComesBackWithItsErrno() throws Exception {
        // A script whose interpreter does not exist passes every check but fails in execve.
        Path script = Files.createTempFile("corral", ".sh");
        Files.writeString(script, "#!/no/such/interpreter\n");
        script.toFile().setExecutable(true);
        try {
            factory.spawn(SpawnSpec.builder(script.toString()).build());
            fail("must fail");
        } catch (SpawnException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("execve " + script));
            assertTrue(e.getMessage(), e.getMessage().endsWith("No such file or directory"));
            assertEquals(2, e.errno());
        }
        assertEquals(List.of(), Procs.zombies(Procs.self()));
    }

    @Test
    public void aThousandSpawnsLeaveNoZombieNoDescriptorNoThreadNoCgroup() throws Exception {
        ManagedProcess probe = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("10").build());
        Path cgroups = Procs.cgroupDir(probe.pid()).getParent();
        probe.stop(StopOptions.of(Duration.ZERO, Duration.ZERO)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // The server keeps spare cgroups for the next spawns while busy, and removes them a second after.
        // Warm up both ways of waiting, so that pooled descriptors exist before counting.
        run(sh("true"));
        factory.spawn(SpawnSpec.builder("/bin/true").build()).waitFor();
        Procs.waitUntil("no cgroup left in " + cgroups, 3000, () -> Procs.subgroups(cgroups).isEmpty());
        int jvm = Procs.self();
        int fds = Procs.descriptors(jvm);
        int threads = Procs.threads();
        List<Integer> servers = Procs.childrenRunning(jvm, "corral-spawnd");
        int serverFds = servers.stream().mapToInt(Procs::descriptors).sum();
        for (int i = 0; i < 1000; i++) {
            ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/true").stdio(Stdio.files(null,
                Path.of("/dev/null"), Path.of("/dev/null"))).build());
            // Both ways of learning an exit: the provider's report, and the pidfd on the waiting thread.
            assertEquals(ExitStatus.exited(0), i % 2 == 0 ? p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS)
                : p.waitFor(java.time.Duration.ofSeconds(10)).orElseThrow());
        }
        Procs.waitUntil("no zombie", 2000, () -> Procs.zombies(jvm).isEmpty());
        for (int server : servers) {
            assertEquals("children of spawn server " + server, List.of(), Procs.children(server));
        }
        // The JVM may close a descriptor of its own meanwhile; it must not gain any. A pidfd stays open
        // until the server's report of that exit, which it may hold for a few milliseconds.
        Procs.waitUntil("JVM descriptors back to " + fds + " from " + Procs.descriptors(jvm), 2000,
            () -> Procs.descriptors(jvm) <= fds);
        Procs.waitUntil("no cgroup left in " + cgroups, 3000, () -> Procs.subgroups(cgroups).isEmpty());
        assertEquals("spawn server descriptors", serverFds, servers.stream().mapToInt(Procs::descriptors).sum());
        assertTrue("threads " + Procs.threads() + " vs " + threads, Procs.threads() <= threads);
    }

    @Test
    public void theSpawnServerIsRestartedAndKeepsSupervising() throws Exception {
        ManagedProcess before = factory.spawn(sh("sleep 1").build());
        int jvm = Procs.self();
        List<Integer> servers = Procs.childrenRunning(jvm, "corral-spawnd clone");
        assertEquals(servers.toString(), 1, servers.size());
        Procs.kill9(servers.get(0));
        Procs.waitUntil("the old server is gone", 5000, () -> !Procs.alive(servers.get(0)));
        // The next spawn works...
        run(sh("true"));
        // ...and the child of the dead server is still listed and its exit seen.
        assertTrue(factory.processes().contains(before));
        ExitStatus status = before.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ExitStatus.exited(0), status);
        assertEquals(ProcessState.EXITED, before.state());
        Procs.waitUntil("no zombie", 2000, () -> Procs.zombies(jvm).isEmpty());
    }

    @Test
    public void hotSwapToForkAndBack() throws Exception {
        Bundle linux = bundle("io.corral.isolation.linux");
        IsolationRequest pid = IsolationRequest.of(EnumSet.of(Namespace.CREDENTIAL, Namespace.PID));
        ManagedProcess isolated = factory.spawn(sh("sleep 1; exit 3").isolation(pid).build());
        assertEquals("linux-clone", isolated.provider());
        linux.stop();
        try {
            assertTrue("still listed", factory.processes().contains(isolated));
            assertEquals(ExitStatus.exited(3), isolated.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS));
            ManagedProcess plain = factory.spawn(sh("true").build());
            assertEquals("fork", plain.provider());
            try {
                factory.spawn(sh("true").isolation(pid).build());
                fail("namespaces must be refused by the fork provider");
            } catch (SpawnException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("not supported by the fork provider"));
            }
        } finally {
            linux.start();
        }
        assertEquals("linux-clone", factory.spawn(sh("true").isolation(pid).build()).provider());
    }

    @Test
    public void asRootUserNobodyGetsExactlyNobodysIds() throws Exception {
        org.junit.Assume.assumeTrue("needs root", "0".equals(Procs.status(Procs.self(), "Uid").split(" ")[0]));
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("5").user("nobody").build());
        try {
            String[] id = {idOf("-u"), idOf("-g"), idOf("-G")};
            assertEquals(String.join(" ", id[0], id[0], id[0], id[0]), Procs.status(p.pid(), "Uid"));
            assertEquals(String.join(" ", id[1], id[1], id[1], id[1]), Procs.status(p.pid(), "Gid"));
            assertEquals(id[2], Procs.status(p.pid(), "Groups"));
            assertEquals("nobody", p.credential().user());
        } finally {
            p.signal(9);
        }
    }

    private static String idOf(String flag) throws Exception {
        Process id = new ProcessBuilder("id", flag, "nobody").start();
        return new String(id.getInputStream().readAllBytes()).trim();
    }

    @Test
    public void theLogKeepsEveryLineAndCommandsReadIt() throws Exception {
        String pid = Gogo.run(processor, "corral:spawn --name chatty /bin/sh -c 'seq 1 20000; echo done >&2'").trim();
        ManagedProcess p = admin.process(Integer.parseInt(pid)).orElseThrow();
        assertEquals(ExitStatus.exited(0), p.onExit().toCompletableFuture().get(30, TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(p.logFile().orElseThrow());
        assertEquals(20001, lines.size());
        assertEquals("20000", lines.get(19999));
        assertEquals("done", lines.get(20000));
        assertEquals("20000\ndone\n", Gogo.run(processor, "corral:logs -n 2 " + pid));
        String ps = Gogo.run(processor, "corral:ps --json");
        assertTrue(ps, ps.contains("\"name\": \"chatty\""));
    }

    @Test
    public void killSignalsAndReportsExitedProcesses() throws Exception {
        String pid = Gogo.run(processor, "corral:spawn /bin/sleep 100").trim();
        ManagedProcess p = admin.process(Integer.parseInt(pid)).orElseThrow();
        Gogo.run(processor, "corral:kill " + pid + " KILL");
        assertEquals(ExitStatus.killed(9), p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(137, p.exitStatus().orElseThrow().value());
        try {
            Gogo.run(processor, "corral:kill " + pid);
            fail("killing an exited process must fail");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("has already exited"));
        }
    }

    /** waitFor returns once the state is EXITED and every listener was told; with a timeout it may return empty. */
    @Test
    public void waitForReturnsTheStatusAfterEveryListenerWasTold() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.osgi.framework.ServiceRegistration<io.corral.api.process.ProcessListener> listener =
            context.registerService(io.corral.api.process.ProcessListener.class,
                (process, state) -> seen.add(process.pid() + " " + state), null);
        try {
            ManagedProcess plain = factory.spawn(sh("exit 5").build());
            assertEquals(ExitStatus.exited(5), plain.waitFor());
            assertEquals(ProcessState.EXITED, plain.state());
            assertTrue(seen.toString(), seen.contains(plain.pid() + " EXITED"));
            assertTrue(plain.onExit().toCompletableFuture().isDone());

            long uid = Long.parseLong(Procs.status(Procs.self(), "Uid").split(" ")[0]);
            ManagedProcess isolated = factory.spawn(sh("exit 4").isolation(
                new IsolationRequest(FIVE, List.of(new IdMapEntry(0, uid, 1)), List.of(), null, true)).build());
            assertEquals(ExitStatus.exited(4), isolated.waitFor());
            assertTrue(seen.toString(), seen.contains(isolated.pid() + " EXITED"));

            ManagedProcess sleeper = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30").build());
            long start = System.nanoTime();
            assertEquals(java.util.Optional.empty(), sleeper.waitFor(java.time.Duration.ofMillis(300)));
            assertTrue(System.nanoTime() - start >= 290_000_000L);
            assertEquals(ProcessState.READY, sleeper.state());
            // An interrupted waiter stops waiting; the process is untouched.
            Thread.currentThread().interrupt();
            try {
                sleeper.waitFor();
                fail("an interrupted waitFor must throw");
            } catch (InterruptedException expected) {
                assertEquals(ProcessState.READY, sleeper.state());
            }
            assertTrue(sleeper.signal(9));
            assertEquals(java.util.Optional.of(ExitStatus.killed(9)),
                sleeper.waitFor(java.time.Duration.ofSeconds(10)));
            assertTrue(seen.toString(), seen.contains(sleeper.pid() + " EXITED"));
        } finally {
            listener.unregister();
        }
    }

    @Test
    public void providersListsBothWithTheActiveOneFirst() throws Exception {
        String out = Gogo.run(processor, "corral:providers");
        List<String> lines = out.lines().toList();
        assertTrue(out, lines.get(1).matches("linux-clone\\s+100\\s+credential,pid,mount,uname,ipc,network,cgroup\\s+"
            + "io.corral.isolation.linux\\s+yes"));
        assertTrue(out, lines.get(2).matches("fork\\s+10\\s+none\\s+io.corral.isolation.fork\\s+no"));
    }

    private Bundle bundle(String name) {
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + name);
    }

    /** The benchmark runs every way in one run, prints a ratio for each, and needs no thread per child. */
    @Test
    public void spawnBenchmarkComparesEveryWayAndKeepsThreadsFlat() throws Exception {
        String out = Gogo.run(processor, "corral:bench -n 20 --rounds 2 --warmup 5 --children 50");
        for (String way : List.of("posix_spawn from C", "ProcessBuilder", "Corral, no namespaces",
                "Corral, credential+pid+mount+uname+ipc, one-entry map",
                "Corral, credential+mount+uname+ipc, one-entry map (no init)",
                "C clone, credential+pid+mount+uname+ipc (kernel floor)",
                "C clone, credential+pid+mount+uname+ipc, with an init (kernel floor)",
                "C clone of a process that exits at once (least one more process costs)")) {
            assertTrue(out, out.matches("(?s).*\\n" + java.util.regex.Pattern.quote(way)
                + " +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+\\n.*"));
        }
        java.util.regex.Matcher corral = java.util.regex.Pattern.compile("\\nCorral +(\\d+) ").matcher(out);
        java.util.regex.Matcher pb = java.util.regex.Pattern.compile("\\nProcessBuilder +(\\d+) ").matcher(out);
        assertTrue(out, corral.find() && pb.find());
        // ProcessBuilder needs a reaper thread per live child, Corral none (the test JVM has threads of its own).
        assertTrue(out, Integer.parseInt(pb.group(1)) - Integer.parseInt(corral.group(1)) >= 45);
        assertEquals("no sleep child left", List.of(), Procs.sleeping("600"));
    }

    /** Records what a stop tells, as "SIGNAL after MILLIS" or "failed: MESSAGE". */
    private static StopListener recording(List<String> told) {
        return new StopListener() {
            @Override
            public void escalated(int signal, Duration waited) {
                told.add(signal + " after " + waited.toMillis());
            }

            @Override
            public void failed(String message) {
                told.add("failed: " + message);
            }
        };
    }

    @Test
    public void stopKillsAProcessThatIgnoresSigtermAfterTheKillTimeoutOnceForEveryCaller() throws Exception {
        String marker = "1001." + System.nanoTime();
        // An ignored signal stays ignored across exec: this sleep ignores SIGTERM.
        ManagedProcess p = factory.spawn(sh("trap '' TERM; exec sleep " + marker).build());
        Procs.waitUntil("the sleep that ignores SIGTERM runs", 10_000, () -> !Procs.sleeping(marker).isEmpty());
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        CompletableFuture<ExitStatus> stopped = p.stop(StopOptions.builder().quitTimeout(Duration.ofSeconds(30))
            .killTimeout(Duration.ofMillis(1500)).listener(recording(first)).build()).toCompletableFuture();
        Thread.sleep(500);
        assertTrue("SIGTERM is ignored", Procs.alive(p.pid()));
        // A second caller, with other timeouts, joins the stop under way: neither restarts nor stretches it.
        CompletableFuture<ExitStatus> joined = p.stop(StopOptions.builder().killTimeout(Duration.ofSeconds(60))
            .listener(recording(second)).build()).toCompletableFuture();
        assertEquals(ExitStatus.killed(9), stopped.get(20, TimeUnit.SECONDS));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("SIGKILL after the kill timeout, not before: " + millis + " ms", millis >= 1500);
        assertTrue("the first caller's kill timeout, not the second's: " + millis + " ms", millis < 10_000);
        assertEquals(ExitStatus.killed(9), joined.get(1, TimeUnit.SECONDS));
        assertEquals("no QUIT (it has no ready port): SIGTERM at once, then only SIGKILL is an escalation",
            List.of("9 after 1500"), first);
        assertEquals(List.of("9 after 1500"), second);
        assertTrue("after the exit a stop completes at once",
            p.stop(Duration.ofSeconds(1), Duration.ofSeconds(1)).toCompletableFuture().isDone());
        assertEquals(List.of(), Procs.sleeping(marker));
    }

    @Test
    public void stopEndsAPlainSleepWithSigtermAtOnce() throws Exception {
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30").build());
        List<String> told = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        ExitStatus status = p.stop(StopOptions.builder().quitTimeout(Duration.ofSeconds(20))
            .killTimeout(Duration.ofSeconds(20)).listener(recording(told)).build())
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ExitStatus.killed(15), status);
        assertTrue("no wait for a timeout", System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertEquals("SIGTERM was the first step, no escalation", List.of(), told);
    }
}
