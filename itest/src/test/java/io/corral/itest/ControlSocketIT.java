package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.itest.CommandLineIT.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Test;

/** The daemon's control socket and pid file when bundles come and go. */
public class ControlSocketIT {

    /** The bundle id of {@code symbolicName} in the running instance. */
    private static long bundleId(String b, String symbolicName) throws Exception {
        Result lb = corral("--base", b, "shell", "-c", "felix:lb -s");
        assertEquals(lb.err(), 0, lb.status());
        return lb.out().lines().filter(l -> l.contains("|" + symbolicName + " ") || l.endsWith("|" + symbolicName))
            .map(l -> Long.parseLong(l.split("\\|")[0].trim())).findFirst()
            .orElseThrow(() -> new AssertionError("no " + symbolicName + " in " + lb.out()));
    }

    @Test
    public void stoppingTheShellBundleLeavesStatusAndStopWorking() throws Exception {
        Path base = CommandLineIT.base();
        String b = base.toString();
        try {
            Result start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());
            int jvm = DaemonIT.jvmPid(base);
            long shell = bundleId(b, "io.corral.shell");

            // Gogo Command's felix:refresh ended in a NullPointerException without an argument.
            Result refresh = corral("--base", b, "shell", "-c", "felix:refresh");
            assertEquals(refresh.err(), 0, refresh.status());
            assertEquals("nothing to refresh: no bundle was updated or uninstalled since it was resolved\n",
                refresh.out());

            // The session's own socket closes with the bundle; the line goes on in the instance.
            corral("--base", b, "shell", "-c", "felix:stop " + shell + "; felix:start " + shell);
            Procs.waitUntil("the control socket again", 10_000, () -> Files.exists(base.resolve("run/corral.sock")));
            Result status = corral("--base", b, "status");
            assertEquals(status.err(), 0, status.status());
            assertEquals("corral: running in " + base + " (pid " + jvm + ")\n", status.out());
            Result version = corral("--base", b, "shell", "-c", "corral:version");
            assertEquals(version.err(), 0, version.status());
            assertTrue(version.out(), version.out().contains("io.corral.shell"));

            // With the shell bundle stopped for good, the instance is still found and stopped.
            corral("--base", b, "shell", "-c", "felix:stop " + shell);
            Procs.waitUntil("the control socket gone", 10_000, () -> !Files.exists(base.resolve("run/corral.sock")));
            assertEquals(0, corral("--base", b, "status").status());
            Result stop = corral("--base", b, "stop");
            assertEquals(stop.err(), 0, stop.status());
            assertEquals("corral: stopped (pid " + jvm + ")\n", stop.out());
            assertFalse("the JVM is gone", Procs.alive(jvm));
            assertFalse(Files.exists(base.resolve("run/corral.pid")));
            assertEquals(3, corral("--base", b, "status").status());
        } finally {
            DaemonIT.cleanUp(base);
        }
    }
    /** The lines of log/corral.log that contain {@code text}. */
    private static long logLines(Path base, String text) throws Exception {
        return Files.readAllLines(base.resolve("log/corral.log")).stream().filter(l -> l.contains(text)).count();
    }

    /** The instance's threads that serve a control session (named corral-control-N). */
    private static long sessionThreads(int jvm) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + jvm + "/task"))) {
            return tasks.filter(t -> {
                try {
                    // comm holds the first 15 bytes of the name.
                    return Files.readString(t.resolve("comm")).startsWith("corral-control-");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    public void anInstanceOutOfDescriptorsAnswersAgainOnceSomeAreFree() throws Exception {
        Path base = CommandLineIT.base();
        String b = base.toString();
        Path socket = base.resolve("run/corral.sock");
        List<RawSession> idle = new ArrayList<>();
        try {
            assertEquals(0, corral("--base", b, "start").status());
            int jvm = DaemonIT.jvmPid(base);
            // A low limit, measured from what the instance holds, lower than its session bound (64) allows for.
            int limit = Procs.descriptors(jvm) + 16;
            Process prlimit = new ProcessBuilder("prlimit", "--pid", Integer.toString(jvm),
                "--nofile=" + limit + ":" + limit).inheritIO().start();
            assertEquals("prlimit", 0, prlimit.waitFor());

            // Idle sessions until the instance takes no more: every descriptor is in use (EMFILE).
            int taken = 0;
            while (true) {
                RawSession s = RawSession.open(socket);
                idle.add(s);
                RawSession.Frame first = s.next(2000);
                if (first == null) {
                    break;
                }
                assertEquals(new RawSession.Frame('R', ""), first);
                taken++;
                assertTrue("still taking sessions at " + taken, taken < 40);
            }
            assertTrue("sessions taken before EMFILE: " + taken, taken >= 1);
            // Many accepts fail meanwhile; the log says so once.
            Thread.sleep(1500);
            assertEquals(1, logLines(base, "corral: control socket: accept: Too many open files (EMFILE); trying again"));

            // The client gives up with one line instead of waiting for ever.
            long began = System.nanoTime();
            Result stuck = corral(List.of("env", "CORRAL_SHELL_TIMEOUT=2"), "--base", b, "shell", "-c",
                "corral:version");
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertEquals(stuck.err(), 1, stuck.status());
            assertEquals(stuck.err(), 1, stuck.err().lines().count());
            assertTrue(stuck.err(), stuck.err().contains("no answer within 2 s; the instance may be out of file"
                + " descriptors or stuck"));
            assertTrue("gave up after " + millis + " ms", millis < 10_000);

            for (RawSession s : idle) {
                s.close();
            }
            idle.clear();
            Result version = corral("--base", b, "shell", "-c", "corral:version");
            assertEquals(version.err(), 0, version.status());
            assertTrue(version.out(), version.out().contains("io.corral.shell"));
            assertEquals(1, logLines(base, "corral: control socket: accept: Too many open files (EMFILE)"));
            assertEquals(1, logLines(base, "corral: control socket: accepting again after "));

            Result stop = corral("--base", b, "stop");
            assertEquals(stop.err(), 0, stop.status());
        } finally {
            for (RawSession s : idle) {
                s.close();
            }
            DaemonIT.cleanUp(base);
        }
    }

    @Test
    public void theSessionBeyondTheBoundIsToldSoAndClosed() throws Exception {
        Path base = CommandLineIT.base();
        String b = base.toString();
        Path socket = base.resolve("run/corral.sock");
        List<RawSession> idle = new ArrayList<>();
        String refusal = "corral: this instance already serves 64 control sessions, the most it takes (max.sessions"
            + " of io.corral.shell.control is 64); try again when one has ended\n";
        try {
            assertEquals(0, corral("--base", b, "start").status());
            for (int i = 0; i < 64; i++) {
                RawSession s = RawSession.open(socket);
                idle.add(s);
                assertEquals("session " + (i + 1), new RawSession.Frame('R', ""), s.next(5000));
            }
            try (RawSession sixtyFifth = RawSession.open(socket)) {
                assertEquals(new RawSession.Frame('E', refusal), sixtyFifth.next(5000));
                assertEquals(new RawSession.Frame('X', "1"), sixtyFifth.next(5000));
                assertTrue("closed", sixtyFifth.closedWithin(5000));
            }
            Result refused = corral("--base", b, "shell", "-c", "corral:version");
            assertEquals(1, refused.status());
            assertEquals("", refused.out());
            assertEquals(refusal, refused.err());

            // A session that ends frees its slot.
            idle.remove(0).close();
            Procs.waitUntil("a free slot", 10_000, () -> {
                try {
                    return corral("--base", b, "shell", "-c", "corral:version").status() == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            // A thread per session that runs, no more: 63 idle ones now.
            int jvm = DaemonIT.jvmPid(base);
            Procs.waitUntil("63 session threads", 10_000, () -> sessionThreads(jvm) == 63);
        } finally {
            for (RawSession s : idle) {
                s.close();
            }
            DaemonIT.cleanUp(base);
        }
    }
}
