package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** bin/corral as an operator runs it: a fresh JVM per test, real processes. */
public class CommandLineIT {

    record Result(int status, String out, String err) {
    }

    static Path repo() {
        return Path.of(System.getProperty("corral.repo", "..")).toAbsolutePath().normalize();
    }

    static Result corral(List<String> prefix, String... args) throws Exception {
        return corral(repo(), prefix, args);
    }

    /** Runs bin/corral of the checkout (or copy) at {@code root}. */
    static Result corral(Path root, List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(root.resolve("bin/corral").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        File out = File.createTempFile("corral", ".out");
        File err = File.createTempFile("corral", ".err");
        out.setReadable(true, false);
        out.setWritable(true, false);
        err.setWritable(true, false);
        pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            // bin/corral runs java as its child: kill the whole tree, not just the script.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("bin/corral " + String.join(" ", args) + " did not exit within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
            Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    static Result corral(String... args) throws Exception {
        return corral(List.of(), args);
    }

    /**
     * A copy of the launcher and the distribution that any user can read:
     * the checkout itself may sit below a directory only root may enter.
     */
    static Path worldReadableCopy() throws Exception {
        Path root = Files.createTempDirectory("corral-copy");
        Path home = root.resolve("distribution/target");
        Files.createDirectories(home);
        Files.createDirectories(root.resolve("bin"));
        Files.copy(repo().resolve("bin/corral"), root.resolve("bin/corral"));
        Process cp = new ProcessBuilder("cp", "-r", repo().resolve("distribution/target/corral").toString(),
            home.toString()).inheritIO().start();
        assertEquals("copying the distribution", 0, cp.waitFor());
        Process chmod = new ProcessBuilder("chmod", "-R", "a+rX", root.toString()).inheritIO().start();
        assertEquals("chmod of the copy", 0, chmod.waitFor());
        return root;
    }

    static Path base() throws IOException {
        Path base = Files.createTempDirectory("corral-base");
        base.toFile().setWritable(true, false);
        base.toFile().setExecutable(true, false);
        return base;
    }

    @Test
    public void versionPrintsTheBundlesAndExitsZero() throws Exception {
        Result r = corral("--base", base().toString(), "-c", "corral:version");
        assertEquals(r.err(), 0, r.status());
        assertTrue(r.out(), r.out().contains("io.corral.api"));
        assertTrue(r.out(), r.out().contains("io.corral.process"));
    }

    /**
     * A bundle's command that needs the process factory is there when -c runs:
     * SCR registers it on its own thread a moment after the framework has started.
     */
    @Test
    public void aCommandThatNeedsTheProcessFactoryIsThereAtOnce() throws Exception {
        for (int run = 1; run <= 3; run++) {
            Result r = corral("--base", base().toString(), "-c",
                "corral:bench -n 2 --rounds 1 --warmup 1 --children 0 --ns credential");
            assertEquals("run " + run + ": " + r.err(), 0, r.status());
            assertTrue(r.out(), r.out().contains("\nC clone, credential (kernel floor) "));
        }
    }

    @Test
    public void anUnknownCommandFailsWithOneLineAndNoStackTrace() throws Exception {
        long start = System.nanoTime();
        Result r = corral("--base", base().toString(), "-c", "corral:nosuch");
        assertEquals(1, r.status());
        assertEquals(r.err(), List.of("Error: Command not found: corral:nosuch"), r.err().lines().toList());
        assertTrue("took " + (System.nanoTime() - start) / 1e9 + " s",
            System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
    }

    @Test
    public void spawnWaitWithCredentialAndPidNamespacesShowsPidTwo() throws Exception {
        Result r = corral("--base", base().toString(), "-c",
            "corral:spawn --wait --ns credential,pid /bin/sh -c 'echo my pid is $$'");
        assertEquals(r.err(), 0, r.status());
        assertTrue(r.out(), r.out().contains("my pid is 2\n")); // Corral's init is 1
        assertTrue(r.out(), r.out().contains("exit 0"));
    }

    @Test
    public void spawnWaitFailsWhenTheProcessFails() throws Exception {
        Result r = corral("--base", base().toString(), "-c", "corral:spawn --wait /bin/sh -c 'echo bye; exit 3'");
        assertEquals(1, r.status());
        assertTrue(r.out(), r.out().contains("bye"));
        assertTrue(r.err(), r.err().contains("failed: exit 3"));
    }

    @Test
    public void wrongArgumentsAreNamed() throws Exception {
        Result r = corral("--base", base().toString(), "-c", "corral:spawn --uidmap 1:2 /bin/true");
        assertEquals(1, r.status());
        assertEquals(r.err(), 1, r.err().lines().count());
        assertTrue(r.err(), r.err().contains("\"1:2\": expected CONTAINER:HOST:SIZE"));
    }

    @Test
    public void unprivilegedContainerGetsTheUnprivilegedRules() throws Exception {
        List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        String b = base().toString();
        Path copy = worldReadableCopy();
        try {
            Result ok = corral(copy, nobody, "--base", b, "-c",
                "corral:spawn --wait --ns credential,pid --uidmap 0:65534:1 --gidmap 0:65534:1 /bin/sh -c 'echo $$ $(id -u)'");
            assertEquals(ok.err(), 0, ok.status());
            assertTrue(ok.out(), ok.out().contains("2 0\n"));
            Result other = corral(copy, nobody, "--base", b, "-c",
                "corral:spawn --ns credential --uidmap 0:0:1 /bin/true");
            assertEquals(1, other.status());
            assertTrue(other.err(), other.err().contains("an unprivileged container can only map itself (uid 65534)"));
            Result two = corral(copy, nobody, "--base", b, "-c",
                "corral:spawn --ns credential --uidmap 0:65534:1 --uidmap 1:100000:1 /bin/true");
            assertEquals(1, two.status());
            assertTrue(two.err(), two.err().contains("an unprivileged container may have only one"));
            assertFalse(two.err(), two.err().contains("Exception"));
            Result root = corral(copy, nobody, "--base", b, "-c", "corral:spawn --user root /bin/true");
            assertEquals(1, root.status());
            assertTrue(root.err(), root.err().contains("missing capabilities"));
        } finally {
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    @Test
    public void capabilitiesModeSpawnsEveryTimeNotOnlyTheFirst() throws Exception {
        // Unit's capabilities mode: an ordinary user holding CAP_SETUID and CAP_SETGID. The first child's id
        // change used to leave the spawn server's memory non-dumpable, and every later spawn failed.
        List<String> caps = List.of("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
            "--inh-caps=+setuid,+setgid", "--ambient-caps=+setuid,+setgid");
        Path copy = worldReadableCopy();
        try {
            String twenty = "corral:spawn --wait --ns credential --user nobody /usr/bin/id; ".repeat(20);
            Result r = corral(copy, caps, "--base", base().toString(), "-c", twenty);
            assertEquals(r.err(), 0, r.status());
            String ids = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)";
            assertEquals(r.out(), 20, r.out().lines().filter(ids::equals).count());
            assertEquals(r.out(), 20, r.out().lines().filter(l -> l.endsWith(" exit 0")).count());
        } finally {
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    @Test
    public void anUnprivilegedApplicationInACredentialNamespaceRunsAsNobodyThere() throws Exception {
        // uid 1000, not 65534: nobody inside must come from the default user, not from Corral's own ids.
        List<String> user = List.of("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups");
        Path base = base();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {\"ids\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sh\", \"arguments\": [\"-c\", \"echo inside $(id -u) $(id -g); exec sleep 60\"],"
            + " \"isolation\": {\"namespaces\": {\"credential\": true, \"pid\": true}}}}}");
        base.resolve("etc").toFile().setWritable(true, false);
        Path copy = worldReadableCopy();
        try {
            // -c leaves the applications down until corral:reload; the spawned sleep gives the app time to print.
            Result r = corral(copy, user, "--base", base.toString(), "-c",
                "corral:reload; corral:spawn --wait /bin/sleep 1; corral:logs ids");
            assertEquals(r.err(), 0, r.status());
            assertTrue(r.out(), r.out().contains("inside 65534 65534\n"));
        } finally {
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    @Test
    public void stoppingTheContainerTermsThenKillsItsChildren() throws Exception {
        String marker = "1000." + System.nanoTime();
        long start = System.nanoTime();
        Result r = corral("--base", base().toString(), "-c",
            // An ignored signal stays ignored across exec: this sleep ignores SIGTERM.
            "corral:spawn /bin/sh -c 'trap \"\" TERM; exec sleep " + marker + "'; "
                + "corral:spawn /bin/sleep " + marker + "; "
                + "corral:spawn --wait /bin/sleep 0.5");
        assertEquals(r.err(), 0, r.status());
        assertEquals("no child outlives the container", List.of(), Procs.sleeping(marker));
        // The child that ignores SIGTERM is only gone after the grace period and SIGKILL.
        assertTrue(System.nanoTime() - start > TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    public void theShippedConfigurationRunsALiveSystem() throws Exception {
        Path copy = worldReadableCopy();
        try {
            // The shipped applications name the samples by absolute path: point them at the copy.
            Path home = copy.resolve("distribution/target/corral");
            Path config = home.resolve("etc/corral.json");
            Files.writeString(config, Files.readString(config).replace(
                repo().resolve("distribution/target/corral").toString(), home.toString()));
            Result start = corral(copy, List.of(), "start");
            assertEquals(start.err(), 0, start.status());
            try {
                String apps = "";
                for (int i = 0; i < 100 && !(apps.matches("(?s).*router\\s+router\\s+1\\s+1\\s+.*RUNNING.*")
                        && apps.matches("(?s).*workers\\s+worker\\s+2\\s+2\\s+.*RUNNING.*")); i++) {
                    Thread.sleep(200);
                    apps = corral(copy, List.of(), "shell", "-c", "corral:apps").out();
                }
                assertTrue(apps, apps.matches("(?s).*router\\s+router\\s+1\\s+1\\s+.*RUNNING.*"));
                assertTrue(apps, apps.matches("(?s).*workers\\s+worker\\s+2\\s+2\\s+.*RUNNING.*"));
                // The samples are JVMs: their ports are handed over once they say PROCESS_READY.
                String router = "";
                for (int i = 0; i < 100 && router.split("\\(worker\\)", -1).length - 1 < 2; i++) {
                    Thread.sleep(200);
                    router = corral(copy, List.of(), "shell", "-c", "corral:ports").out().lines()
                        .filter(l -> l.matches("\\d+\\s+0\\s+router\\s+router.*")).findFirst().orElse("");
                }
                assertTrue("the router is ready: " + router, router.matches(".*router\\s+router\\s+true.*"));
                assertEquals("the router holds both workers' ports: " + router, 2,
                    router.split("\\(worker\\)", -1).length - 1);
            } finally {
                Result stop = corral(copy, List.of(), "stop");
                assertEquals(stop.err(), 0, stop.status());
            }
            String workers = Files.readString(home.resolve("log/workers.log"));
            assertTrue("workers leave on QUIT: " + workers, workers.contains("sample-worker: quit"));
        } finally {
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    @Test
    public void killingTheJvmKillsItsChildren() throws Exception {
        // A unique duration marks this test's sleeps (sleep takes no other arguments).
        String marker = "1000." + System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(repo().resolve("bin/corral").toString(), "--base", base().toString(),
            "-c", "corral:spawn --name victim /bin/sleep " + marker + "; "
                + "corral:spawn --ns pid,credential /bin/sleep " + marker + "; "
                + "corral:spawn --wait /bin/sleep 60");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process corral = pb.start();
        try {
            Procs.waitUntil("two children running", 30000, () -> Procs.sleeping(marker).size() >= 2);
            List<Integer> java = Procs.children((int) corral.pid()).stream()
                .filter(p -> Procs.cmdline(p).contains("java")).toList();
            assertEquals(java.toString(), 1, java.size());
            Procs.kill9(java.get(0));
            Procs.waitUntil("every child gone", 5000, () -> Procs.sleeping(marker).isEmpty());
        } finally {
            corral.descendants().forEach(ProcessHandle::destroyForcibly);
            corral.destroyForcibly();
        }
    }
}
