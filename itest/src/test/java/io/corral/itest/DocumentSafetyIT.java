package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.itest.CommandLineIT.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Hostile and mistaken etc/corral.json documents against a running daemon,
 * as an operator meets them: each is refused by corral:reload in one line
 * with a non-zero status, the file watcher refuses it too, and the running
 * applications keep their pids.
 */
public class DocumentSafetyIT {

    private static final String SLEEP = "\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"1000\"]";
    private static final String GOOD = "{\"applications\": {\"steady\": {" + SLEEP + ", \"processes\": 2},"
        + " \"other\": {" + SLEEP + "}}}";

    private Path base;
    private Path file;

    @Before
    public void start() throws Exception {
        base = CommandLineIT.base();
        file = base.resolve("etc/corral.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, GOOD);
        Result start = corral("--base", base.toString(), "start");
        assertEquals(start.err(), 0, start.status());
        Procs.waitUntil("steady and other running", 20_000, () -> runs("steady", 2) && runs("other", 1));
    }

    @After
    public void stop() throws Exception {
        Path pidFile = base.resolve("run/corral.pid");
        if (Files.exists(pidFile)) {
            int pid = Integer.parseInt(Files.readString(pidFile).trim());
            corral("--base", base.toString(), "stop");
            if (Procs.alive(pid)) {
                Procs.kill9(pid);
            }
        }
        // The hostile documents are large: leave nothing behind.
        new ProcessBuilder("rm", "-rf", base.toString()).start().waitFor();
    }

    private Result shell(String commands) throws Exception {
        return corral("--base", base.toString(), "shell", "-c", commands);
    }

    private JsonArray apps() throws Exception {
        Result r = shell("corral:apps --json");
        assertEquals(r.err(), 0, r.status());
        return JsonParser.parseString(r.out()).getAsJsonArray();
    }

    private JsonObject app(String name) throws Exception {
        for (JsonElement e : apps()) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no application " + name);
    }

    /** Every application's pids, by name; empty when the shell does not answer. */
    private Map<String, List<Integer>> running() {
        Map<String, List<Integer>> pids = new TreeMap<>();
        try {
            for (JsonElement e : apps()) {
                List<Integer> list = new ArrayList<>();
                e.getAsJsonObject().getAsJsonArray("pids").forEach(p -> list.add(p.getAsInt()));
                pids.put(e.getAsJsonObject().get("name").getAsString(), list);
            }
        } catch (Exception | AssertionError e) {
            return Map.of();
        }
        return pids;
    }

    private boolean runs(String name, int processes) {
        List<Integer> pids = running().get(name);
        return pids != null && pids.size() == processes;
    }

    /** Writes {@code document}, has corral:reload refuse it in one line, and checks that nothing changed. */
    private void refused(byte[] document, String message) throws Exception {
        Map<String, List<Integer>> before = running();
        String config = shell("corral:config").out();
        Files.write(file, document);
        Result r = shell("corral:reload");
        assertNotEquals(r.out(), 0, r.status());
        assertEquals(List.of("Error: " + file + " refused, nothing changed: " + message), r.err().lines().toList());
        // The watcher sees the same file (0.3 s after the last write): it must not act on it either.
        Thread.sleep(1000);
        assertEquals("the running applications keep their pids", before, running());
        assertEquals(config, shell("corral:config").out());
    }

    private void refused(String document, String message) throws Exception {
        refused(document.getBytes(StandardCharsets.UTF_8), message);
    }

    private static String withApp(String name, String members) {
        return "{\"applications\": {\"steady\": {" + SLEEP + ", \"processes\": 2}, \"other\": {" + SLEEP + "},"
            + " \"" + name + "\": {\"type\": \"external\", " + members + "}}}";
    }

    @Test
    public void hostileDocumentsAreRefusedInOneLineAndChangeNothing() throws Exception {
        String deep = withApp("deep", "\"executable\": \"/bin/sleep\", \"arguments\": " + "[".repeat(10_000)
            + "]".repeat(10_000));
        // The root, "applications" and "deep" are three levels: the 30th bracket is the 33rd.
        int column = deep.indexOf("[[[") + 30;
        refused(deep, "Invalid JSON. Line 1, column " + column + ": The nesting is too deep. JSON objects and"
            + " arrays nested more than 32 levels deep are not supported.");

        String huge = withApp("huge", "\"executable\": \"/bin/echo\", \"arguments\": [\"" + "x".repeat(50_000_000)
            + "\"]");
        refused(huge, "The configuration must not exceed 4194304 bytes (4 MiB). Got " + huge.length() + " bytes.");

        refused(withApp("big", "\"executable\": \"/bin/echo\", \"arguments\": [\"" + "x".repeat(200_000) + "\"]"),
            "applications/big/arguments/0: An argument must not be longer than 131071 bytes (the kernel's"
                + " MAX_ARG_STRLEN). Got 200000 bytes.");

        byte[] latin1 = withApp("caf\u00e9", "\"executable\": \"/bin/sleep\"").getBytes(StandardCharsets.ISO_8859_1);
        int e9 = new String(latin1, StandardCharsets.ISO_8859_1).indexOf('\u00e9');
        refused(latin1, "Invalid JSON. Line 1, column " + (e9 + 1) + ": Invalid UTF-8. The byte 0xE9 is not valid"
            + " UTF-8 here; the configuration must be UTF-8 text.");

        refused(GOOD + "\n{\"applications\": {}}", "Invalid JSON. Line 2, column 1: Unexpected character after the"
            + " end of a valid JSON value.");

        String log = Files.readString(base.resolve("log/corral.log"));
        assertFalse(log, log.contains("\tat "));
        assertFalse(log, log.contains("Exception"));
        assertFalse(log, log.contains("StackOverflowError"));
        assertFalse(log, log.contains("Strictness"));
        assertTrue("the watcher refused them too: " + log, log.contains(file + " refused, nothing changed:"
            + " Invalid JSON. Line 2, column 1: Unexpected character after the end of a valid JSON value."));
    }

    @Test
    public void aMissingFileChangesNothingAndAnEmptyDocumentEmptiesTheInstance() throws Exception {
        Map<String, List<Integer>> before = running();
        Files.move(file, base.resolve("corral.json.moved"));
        Result r = shell("corral:reload");
        assertEquals(r.err(), 1, r.status());
        assertEquals(List.of("Error: " + file + " refused, nothing changed: No such file. To remove every"
            + " application, write the empty document {\"applications\": {}}."), r.err().lines().toList());
        Thread.sleep(1000); // the watcher saw the move too
        assertEquals(before, running());
        String log = Files.readString(base.resolve("log/corral.log"));
        assertTrue(log, log.contains(file + " refused, nothing changed: No such file."));

        Files.writeString(file, "{\"applications\": {}}");
        Result emptied = shell("corral:reload");
        assertEquals(emptied.err(), 0, emptied.status());
        Procs.waitUntil("every application gone", 20_000, () -> {
            try {
                return apps().isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    public void aRootOnlyScriptIsRefusedForNobody() throws Exception {
        org.junit.Assume.assumeTrue("Corral may change ids only as root here",
            Procs.status(Procs.self(), "Uid").startsWith("0 "));
        Path script = base.resolve("private.sh");
        Files.writeString(script, "#!/bin/sh\nexec sleep 1000\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Result r;
        Files.writeString(file, withApp("private", "\"executable\": \"" + script + "\", \"user\": \"nobody\""));
        r = shell("corral:reload");
        assertEquals(r.err(), 1, r.status());
        String line = r.err().lines().findFirst().orElse("");
        assertEquals(r.err(), 1, r.err().lines().count());
        assertTrue(line, line.startsWith("Error: " + file + " refused, nothing changed: applications/private:"
            + " executable \"" + script + "\": user \"nobody\" (uid=65534(nobody) "));
        assertTrue(line, line.endsWith(") may not execute it: its mode 0700 (owner 0, group 0) gives others no"
            + " execute permission"));
        // As root it runs.
        Files.writeString(file, withApp("private", "\"executable\": \"" + script + "\", \"user\": \"root\""));
        assertEquals(0, shell("corral:reload").status());
        Procs.waitUntil("private running", 20_000, () -> runs("private", 1));
    }

    @Test
    public void aCrashLoopEndsWhenTheFailingCopyIsScaledAway() throws Exception {
        // The first copy takes the lock and sleeps; every later copy finds it taken and exits 1.
        Path lock = base.resolve("lock");
        String flaky = "\"executable\": \"/bin/sh\", \"user\": \"root\", \"arguments\": [\"-c\", \"mkdir " + lock
            + " || exit 1; exec sleep 1000\"], \"processes\": ";
        Files.writeString(file, withApp("flaky", flaky + "2"));
        assertEquals(0, shell("corral:reload").status());
        Procs.waitUntil("flaky in a crash loop", 30_000, () -> {
            try {
                return app("flaky").get("state").getAsString().equals("CRASH_LOOP");
            } catch (Exception e) {
                return false;
            }
        });
        Files.writeString(file, withApp("flaky", flaky + "1"));
        Result r = shell("corral:reload");
        assertEquals(r.err(), 0, r.status());
        JsonObject after = app("flaky");
        assertEquals(after.toString(), "RUNNING", after.get("state").getAsString());
        assertEquals(1, after.get("wanted").getAsInt());
        assertEquals(1, after.get("running").getAsInt());
        assertTrue(after.toString(), !after.has("message") || after.get("message").isJsonNull());
        int restarts = after.get("restarts").getAsInt();
        Thread.sleep(5000);
        JsonObject later = app("flaky");
        assertEquals(later.toString(), "RUNNING", later.get("state").getAsString());
        assertEquals("no respawn of the copy that is no longer wanted", restarts, later.get("restarts").getAsInt());
    }
}
