package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.corral.itest.CommandLineIT.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** bin/corral start, status, shell and stop: the daemon and its control socket, as an operator uses them. */
public class DaemonIT {

    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

    /** A base whose etc/corral.json runs {@code processes} tickers that say a last line on SIGTERM. */
    private static Path baseWithTicker(String marker, int processes) throws Exception {
        Path base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        String script = "trap 'echo \\\"last line " + marker + " $$\\\"; exit 0' TERM;"
            + " i=0; while :; do i=$((i+1)); echo \\\"tick $i " + marker + "\\\"; sleep 0.1; done";
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {\"ticker\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sh\", \"arguments\": [\"-c\", \"" + script + "\"], \"processes\": "
            + processes + "}}}");
        return base;
    }

    static int jvmPid(Path base) throws Exception {
        return Integer.parseInt(Files.readString(base.resolve("run/corral.pid")).trim());
    }

    private static JsonArray apps(Path base) throws Exception {
        Result r = corral("--base", base.toString(), "shell", "-c", "corral:apps --json");
        assertEquals(r.err(), 0, r.status());
        return JsonParser.parseString(r.out()).getAsJsonArray();
    }

    /** Stops the instance if a test left it running; kills it if it will not stop. */
    static void cleanUp(Path base) throws Exception {
        if (Files.exists(base.resolve("run/corral.pid"))) {
            int pid = jvmPid(base);
            if (Procs.alive(pid)) {
                corral("--base", base.toString(), "stop");
                if (Procs.alive(pid)) {
                    Procs.kill9(pid);
                }
            }
        }
    }

    @Test
    public void startShellStopLeavesNoProcessBehindAndLosesNoLogLine() throws Exception {
        String marker = "corral-daemon-it-" + System.nanoTime();
        Path base = baseWithTicker(marker, 2);
        String b = base.toString();
        try {
            Result start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());
            assertTrue(start.out(), start.out().startsWith("corral: started in " + base));
            int jvm = jvmPid(base);
            assertTrue(Procs.alive(jvm));
            Path socket = base.resolve("run/corral.sock");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

            Result status = corral("--base", b, "status");
            assertEquals(0, status.status());
            assertEquals("corral: running in " + base + " (pid " + jvm + ")\n", status.out());

            Result again = corral("--base", b, "start");
            assertEquals(again.err(), 0, again.status());
            assertTrue(again.err(), again.err().contains("already running"));
            Result fresh = corral("--base", b, "-c", "corral:version");
            assertEquals("a second instance in the same base is refused", 1, fresh.status());

            Procs.waitUntil("two tickers running", 20_000, () -> {
                try {
                    return apps(base).get(0).getAsJsonObject().get("running").getAsInt() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            Result shell = corral("--base", b, "shell", "-c", "corral:scale ticker 3; corral:apps");
            assertEquals(shell.err(), 0, shell.status());
            assertTrue(shell.out(), shell.out().contains("ticker  worker  3"));
            Result bad = corral("--base", b, "shell", "-c", "corral:nosuch");
            assertEquals(1, bad.status());
            assertEquals(List.of("Error: Command not found: corral:nosuch"), bad.err().lines().toList());

            Procs.waitUntil("three tickers", 20_000, () -> Procs.running(marker).size() == 3);
            List<Integer> tickers = new ArrayList<>();
            for (JsonElement pid : apps(base).get(0).getAsJsonObject().getAsJsonArray("pids")) {
                tickers.add(pid.getAsInt());
            }
            List<Integer> children = Procs.children(jvm);
            assertFalse("spawn servers run under the JVM", children.isEmpty());

            Result stop = corral("--base", b, "stop");
            assertEquals(stop.err(), 0, stop.status());
            assertEquals("corral: stopped (pid " + jvm + ")\n", stop.out());
            assertFalse("the JVM is gone", Procs.alive(jvm));
            for (int child : children) {
                assertFalse("child " + child + " of the JVM is gone: " + Procs.cmdline(child), Procs.alive(child));
            }
            assertEquals("no ticker left", List.of(), Procs.running(marker));
            assertFalse(Files.exists(socket));
            assertFalse(Files.exists(base.resolve("run/corral.pid")));
            assertEquals(3, corral("--base", b, "status").status());

            // Each ticker wrote its last line on SIGTERM, after every tick, and Corral noted each exit.
            String log = Files.readString(base.resolve("log/ticker.log"));
            for (int pid : tickers) {
                assertTrue(log, log.contains("[corral] pid " + pid + " exited (exit 0)"));
            }
            assertEquals(log, 3, log.lines().filter(l -> l.startsWith("last line " + marker)).count());
            // The instance's own messages: one record a line, with the time, the level and the bundle.
            String corralLog = Files.readString(base.resolve("log/corral.log"));
            assertTrue(corralLog, corralLog.lines().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:"
                + "\\d\\d\\.\\d{3}Z INFO  \\[io\\.corral\\.app\\] applications started from "
                + java.util.regex.Pattern.quote(base + "/etc/corral.json") + ": ticker")));
        } finally {
            cleanUp(base);
        }
    }

    @Test
    public void stopOfTenIsolatedProcessesTakesUnderASecond() throws Exception {
        // sleep(1) is pid 2 of each pid namespace, under Corral's init: a SIGTERM to the
        // application's pid reaches it. Were sleep pid 1 there, it would ignore SIGTERM and stop
        // would wait out the 5 s grace period for SIGKILL.
        String marker = "1000." + System.nanoTime();
        Path base = CommandLineIT.base();
        String b = base.toString();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {\"isolated\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sleep\", \"arguments\": [\"" + marker + "\"], \"processes\": 10,"
            + " \"isolation\": {\"namespaces\": {\"credential\": true, \"pid\": true, \"mount\": true}}}}}");
        try {
            Result start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());
            Procs.waitUntil("ten sleeps running", 30_000, () -> Procs.sleeping(marker).size() == 10);
            Procs.waitUntil("corral:apps shows ten running", 10_000, () -> {
                try {
                    return apps(base).get(0).getAsJsonObject().get("running").getAsInt() == 10;
                } catch (Exception e) {
                    return false;
                }
            });
            List<Integer> inits = new ArrayList<>();
            for (JsonElement pid : apps(base).get(0).getAsJsonObject().getAsJsonArray("pids")) {
                inits.add(pid.getAsInt());
            }
            assertEquals(inits.toString(), 10, inits.size());

            long began = System.nanoTime();
            Result stop = corral("--base", b, "stop");
            long millis = (System.nanoTime() - began) / 1_000_000;
            assertEquals(stop.err(), 0, stop.status());
            assertTrue("bin/corral stop took " + millis + " ms", millis < 1000);
            assertEquals("no sleep left", List.of(), Procs.sleeping(marker));
            for (int init : inits) {
                assertFalse("init " + init + " is gone", Procs.alive(init));
            }
            // Each went on SIGTERM, none needed SIGKILL.
            String log = Files.readString(base.resolve("log/isolated.log"));
            for (int init : inits) {
                assertTrue(log, log.contains("[corral] pid " + init + " exited (killed by signal 15 "));
            }
        } finally {
            cleanUp(base);
            for (int sleep : Procs.sleeping(marker)) {
                Procs.kill9(sleep);
            }
        }
    }

    @Test
    public void anotherUserCannotUseTheControlSocket() throws Exception {
        Path base = baseWithTicker("corral-daemon-nobody-" + System.nanoTime(), 1);
        String b = base.toString();
        // The checkout may sit below a directory only root may enter: nobody runs a readable copy.
        Path copy = CommandLineIT.worldReadableCopy();
        try {
            assertEquals(0, corral("--base", b, "start").status());
            Result denied = corral(copy, NOBODY, "--base", b, "shell", "-c", "corral:apps");
            assertEquals(1, denied.status());
            assertEquals("", denied.out());
            assertTrue(denied.err(), denied.err().contains("permission denied on " + base.resolve("run/corral.sock")));

            // Even with run/ and the socket opened up, the peer's credentials keep another user out.
            Path socket = base.resolve("run/corral.sock");
            Files.setPosixFilePermissions(base.resolve("run"), PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Result peer = corral(copy, NOBODY, "--base", b, "shell", "-c", "corral:apps");
            assertEquals(1, peer.status());
            assertEquals("", peer.out());
            assertTrue(peer.err(), peer.err().contains("admits only root, not nobody"));

            Result owner = corral("--base", b, "shell", "-c", "corral:apps");
            assertEquals(owner.err(), 0, owner.status());
            assertEquals(0, corral("--base", b, "stop").status());
        } finally {
            cleanUp(base);
            new ProcessBuilder("rm", "-rf", copy.toString()).start().waitFor();
        }
    }

    @Test
    public void statusStopAndShellOfAnInstanceThatDoesNotRun() throws Exception {
        String b = CommandLineIT.base().toString();
        Result status = corral("--base", b, "status");
        assertEquals(3, status.status());
        assertEquals("corral: not running in " + b + "\n", status.out());
        assertEquals(0, corral("--base", b, "stop").status());
        Result shell = corral("--base", b, "shell", "-c", "corral:apps");
        assertEquals(1, shell.status());
        assertTrue(shell.err(), shell.err().contains("no instance is running here"));
    }
}
