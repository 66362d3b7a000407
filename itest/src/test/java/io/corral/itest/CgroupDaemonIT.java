package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.itest.CommandLineIT.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * What a process starts is ended with it, seen from the host by pid: a
 * grandchild and a setsid daemon of a process without a pid namespace are
 * gone after {@code corral:kill}, after {@code bin/corral stop} and after
 * {@code kill -9} of the JVM; and limits from etc/corral.json hold.
 */
public class CgroupDaemonIT {

    /** Spawns a shell that leaves a background grandchild and a setsid daemon; returns the three pids. */
    private static List<Integer> spawnFamily(String b, String marker) throws Exception {
        Result r = corral("--base", b, "shell", "-c", "corral:spawn /bin/sh -c \"sleep " + marker + "1 &"
            + " setsid sleep " + marker + "2 & exec sleep " + marker + "3\"");
        assertEquals(r.err(), 0, r.status());
        int pid = Integer.parseInt(r.out().trim());
        Procs.waitUntil("the family of " + pid, 10_000, () -> Procs.running("sleep " + marker).size() == 3);
        List<Integer> family = Procs.running("sleep " + marker);
        assertTrue(family.toString(), family.contains(pid));
        return family;
    }

    private static void assertAllGone(String when, List<Integer> pids) throws InterruptedException {
        Procs.waitUntil("gone " + when, 5_000, () -> pids.stream().noneMatch(Procs::alive));
        for (int p : pids) {
            assertFalse(when + ": pid " + p + " still runs: " + Procs.cmdline(p), Procs.alive(p));
        }
    }

    @Test
    public void descendantsEndWithTheirProcessOnKillStopAndJvmDeath() throws Exception {
        String marker = "7" + (System.nanoTime() % 100_000_000L);
        Path base = CommandLineIT.base();
        String b = base.toString();
        try {
            Result start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());

            List<Integer> family = spawnFamily(b, marker);
            int program = family.stream().filter(p -> Procs.cmdline(p).contains(marker + "3")).findFirst()
                .orElseThrow();
            Result kill = corral("--base", b, "shell", "-c", "corral:kill " + program);
            assertEquals(kill.err(), 0, kill.status());
            assertAllGone("after corral:kill " + program, family);

            family = spawnFamily(b, marker);
            Result stop = corral("--base", b, "stop");
            assertEquals(stop.err(), 0, stop.status());
            assertAllGone("after bin/corral stop", family);

            start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());
            family = spawnFamily(b, marker);
            Procs.kill9(DaemonIT.jvmPid(base));
            assertAllGone("after kill -9 of the JVM", family);
        } finally {
            DaemonIT.cleanUp(base);
        }
    }

    @Test
    public void limitsFromTheConfigurationHold() throws Exception {
        String marker = "8" + (System.nanoTime() % 100_000_000L);
        Path base = CommandLineIT.base();
        String b = base.toString();
        Path limits = base.resolve("limits.txt");
        Path forks = base.resolve("forks.txt");
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), """
            {"applications": {
              "hog": {"type": "external", "executable": "/bin/sh",
                      "arguments": ["-c", "sleep 0.5; head -c 200M /dev/zero | tail"],
                      "resources": {"memory_max": "64M"}},
              "forker": {"type": "external", "executable": "/usr/bin/perl",
                         "arguments": ["-e", "%s", "%s", "%s"],
                         "resources": {"pids_max": 16}},
              "limited": {"type": "external", "executable": "/bin/sh",
                          "arguments": ["-c", "cat /proc/self/limits > %s; exec sleep %s"],
                          "resources": {"rlimits": {"nofile": 32}}}
            }}
            """.formatted(CgroupIT.FORKER.replace("\"", "\\\""), forks, marker, limits, marker));
        try {
            Result start = corral("--base", b, "start");
            assertEquals(start.err(), 0, start.status());

            // 64 forks tried: fewer than 16 succeed, and the cgroup holds them and their parent.
            int forked = Integer.parseInt(Procs.awaitLine(forks, 10_000).trim());
            assertTrue(forked + " forks", forked >= 1 && forked < 16);
            int sleeps = forked + 1;

            Procs.waitUntil("limits written", 10_000, () -> {
                try {
                    return Files.readString(limits).contains("Max open files");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            String openFiles = Files.readAllLines(limits).stream().filter(l -> l.startsWith("Max open files"))
                .findFirst().orElseThrow();
            assertTrue(openFiles, openFiles.matches("Max open files\\s+32\\s+32\\s+files\\s*"));

            // The hog's tail is OOM-killed; its application's log says so.
            Path hogLog = base.resolve("log/hog.log");
            Procs.waitUntil("the OOM kill in the hog's log", 20_000, () -> {
                try {
                    return Files.exists(hogLog) && Files.readString(hogLog).contains("out of memory");
                } catch (Exception e) {
                    return false;
                }
            });
            Result ps = corral("--base", b, "shell", "-c", "corral:ps --json");
            assertEquals(ps.err(), 0, ps.status());
            JsonArray procs = JsonParser.parseString(ps.out()).getAsJsonArray();
            JsonObject forker = null;
            for (var e : procs) {
                JsonObject o = e.getAsJsonObject();
                if (o.get("name").getAsString().equals("forker") && o.get("state").getAsString().equals("READY")) {
                    forker = o;
                }
            }
            assertTrue(ps.out(), forker != null && forker.get("cgroup_processes").getAsInt() == sleeps);
        } finally {
            DaemonIT.cleanUp(base);
        }
    }
}
