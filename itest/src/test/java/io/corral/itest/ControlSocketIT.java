package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.itest.CommandLineIT.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;

/** The daemon's control socket and pid file when bundles come and go. */
public class ControlSocketIT {

    static int jvmPid(Path base) throws Exception {
        return Integer.parseInt(Files.readString(base.resolve("run/corral.pid")).trim());
    }

    /** Stops the instance if a test left it running; kills it if it will not stop. */
    static void cleanUp(Path base) throws Exception {
        if (Files.exists(base.resolve("run/corral.pid"))) {
            int pid = jvmPid(base);
            if (Procs.alive(pid)) {
                corral("--base", base.toString(), "stop");
                if (Procs.alive(pid)) {
                    new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
                }
            }
        }
    }

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
            int jvm = jvmPid(base);
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
            cleanUp(base);
        }
    }
}
