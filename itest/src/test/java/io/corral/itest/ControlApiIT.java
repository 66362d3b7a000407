package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * NGINX Unit's control API on run/control.unit.sock of a running instance,
 * driven with curl as an operator who knows Unit drives it.
 */
public class ControlApiIT {

    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    private static final String MARKER = "2000." + System.nanoTime() % 1_000_000;

    private static Path base;
    private static Path socket;

    record Http(int status, String body) {
        JsonElement json() {
            return JsonParser.parseString(body);
        }
    }

    @BeforeClass
    public static void start() throws Exception {
        base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {\"ticker\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sleep\", \"arguments\": [\"" + MARKER + "1\"], \"processes\": 2}}}");
        CommandLineIT.Result r = corral("--base", base.toString(), "start");
        assertEquals(r.err(), 0, r.status());
        socket = base.resolve("run/control.unit.sock");
        await("the control API listens", () -> Files.exists(socket));
        await("two tickers", () -> pids("ticker").size() == 2);
    }

    @AfterClass
    public static void stop() throws Exception {
        if (base != null) {
            DaemonIT.cleanUp(base);
            for (String n : List.of("1", "2", "3", "4")) {
                for (int pid : Procs.sleeping(MARKER + n)) {
                    Procs.kill9(pid);
                }
            }
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Waits up to 20 s for {@code check}; a failing check counts as not yet. */
    static void await(String what, Check check) throws InterruptedException {
        Procs.waitUntil(what, 20_000, () -> {
            try {
                return check.ok();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** curl --unix-socket SOCKET ARGS..., with the status on a last line of its own. */
    static Http curl(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket.toString()));
        cmd.addAll(List.of(args));
        File out = File.createTempFile("curl", ".out");
        out.setWritable(true, false);
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(ProcessBuilder.Redirect.DISCARD)
            .directory(base.toFile()).start();
        assertTrue("curl did not finish", p.waitFor(30, TimeUnit.SECONDS));
        String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
        Files.delete(out.toPath());
        int nl = text.lastIndexOf('\n');
        return new Http(Integer.parseInt(text.substring(nl + 1).trim()), text.substring(0, Math.max(nl, 0)));
    }

    static Http curl(String... args) throws Exception {
        return curl(List.of(), args);
    }

    private static JsonObject status() throws Exception {
        Http s = curl("http://localhost/status");
        assertEquals(s.body(), 200, s.status());
        return s.json().getAsJsonObject();
    }

    /** The pids /status gives for {@code app}, sorted. */
    static List<Integer> pids(String app) throws Exception {
        JsonObject apps = status().getAsJsonObject("applications");
        List<Integer> pids = new ArrayList<>();
        if (apps.has(app)) {
            for (JsonElement p : apps.getAsJsonObject(app).getAsJsonObject("corral").getAsJsonArray("processes")) {
                pids.add(p.getAsJsonObject().get("pid").getAsInt());
            }
        }
        Collections.sort(pids);
        return pids;
    }

    private static JsonObject file() throws Exception {
        return JsonParser.parseString(Files.readString(base.resolve("etc/corral.json"))).getAsJsonObject();
    }

    private static void assertSuccess(Http r) {
        assertEquals(r.body(), 200, r.status());
        assertEquals(JsonParser.parseString("{\"success\": \"Reconfiguration done.\"}"), r.json());
    }

    @Test
    public void theSocketIsTheOwnersAloneInAnOwnerOnlyDirectory() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    }

    @Test
    public void getOfTheApplicationsIsTheFilesApplications() throws Exception {
        Http r = curl("http://localhost/config/applications");
        assertEquals(r.body(), 200, r.status());
        assertEquals(file().get("applications"), r.json());
        assertTrue("Unit indents with tabs and ends with CRLF", r.body().startsWith("{\n\t\"ticker\": {")
            && r.body().endsWith("}\r\n"));
        assertEquals(JsonParser.parseString("\"/bin/sleep\""),
            curl("http://localhost/config/applications/ticker/executable").json());
        Http console = curl("http://localhost/console");
        assertEquals("the web console is off by default", 404, console.status());
        Http missing = curl("http://localhost/config/applications/nosuch");
        assertEquals(404, missing.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Value doesn't exist.\"}"), missing.json());
    }

    @Test
    public void aNewApplicationRunsAndIsWrittenToTheFileARefusedChangeChangesNothingAndDeleteStopsIt()
            throws Exception {
        assertSuccess(curl("-X", "PUT", "-d", "{\"type\": \"external\", \"executable\": \"/bin/sleep\","
            + " \"arguments\": [\"" + MARKER + "2\"]}", "http://localhost/config/applications/new"));
        await("the new application's process in /status", () -> pids("new").size() == 1);
        int pid = pids("new").get(0);
        assertEquals(List.of(pid), Procs.sleeping(MARKER + "2"));
        assertEquals("/bin/sleep", file().getAsJsonObject("applications").getAsJsonObject("new").get("executable")
            .getAsString());
        // Rewritten with the file's mode less anything for other users (environments hold secrets).
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            base.resolve("etc/corral.json"))));

        // A refused change: Unit's status and shape, nothing restarted, the file as it was.
        String before = Files.readString(base.resolve("etc/corral.json"));
        List<Integer> tickers = pids("ticker");
        Http bad = curl("-X", "PUT", "-d", "0", "http://localhost/config/applications/new/processes");
        assertEquals(bad.body(), 400, bad.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Invalid configuration.\", \"detail\":"
            + " \"applications/new/processes: The \\\"processes\\\" number must be equal to or greater than 1."
            + " Got 0.\"}"), bad.json());
        Http json = curl("-X", "PUT", "-d", "{\"type\": ", "http://localhost/config/applications/new");
        assertEquals(json.body(), 400, json.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Invalid JSON.\", \"detail\": \"Unexpected end of JSON"
            + " payload.\", \"location\": {\"offset\": 9, \"line\": 1, \"column\": 10}}"), json.json());
        Http listeners = curl("-X", "PUT", "-d", "{\"*:8080\": {\"pass\": \"applications/new\"}}",
            "http://localhost/config/listeners");
        assertEquals(listeners.body(), 400, listeners.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Invalid configuration.\", \"detail\":"
            + " \"Unknown parameter \\\"listeners\\\".\"}"), listeners.json());
        assertEquals(404, curl("http://localhost/certificates").status());
        Http noExecutable = curl("-X", "DELETE", "http://localhost/config/applications/new/executable");
        assertEquals(noExecutable.body(), 400, noExecutable.status());
        assertEquals("Invalid configuration.", noExecutable.json().getAsJsonObject().get("error").getAsString());
        Thread.sleep(500);
        assertEquals(List.of(pid), pids("new"));
        assertEquals(tickers, pids("ticker"));
        assertEquals(before, Files.readString(base.resolve("etc/corral.json")));

        assertSuccess(curl("-X", "DELETE", "http://localhost/config/applications/new"));
        await("the deleted application's process is gone", () -> !Procs.alive(pid));
        assertFalse(status().getAsJsonObject("applications").has("new"));
        assertFalse(file().getAsJsonObject("applications").has("new"));
        assertEquals(tickers, pids("ticker"));
    }

    @Test
    public void restartReplacesEveryProcess() throws Exception {
        List<Integer> before = pids("ticker");
        assertEquals(2, before.size());
        Http r = curl("http://localhost/control/applications/ticker/restart");
        assertEquals(r.body(), 200, r.status());
        assertEquals(JsonParser.parseString("{\"success\": \"Ok\"}"), r.json());
        await("two new tickers", () -> {
            List<Integer> now = pids("ticker");
            return now.size() == 2 && Collections.disjoint(now, before);
        });
        for (int old : before) {
            await("old ticker " + old + " exits", () -> !Procs.alive(old));
        }
        Http missing = curl("http://localhost/control/applications/nosuch/restart");
        assertEquals(404, missing.status());
        Http post = curl("-X", "POST", "http://localhost/control/applications/ticker/restart");
        assertEquals(405, post.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Method isn't allowed.\"}"), post.json());
        // Every control action is in corral.log with its origin and outcome (the Log Service writes it later).
        await("the restart recorded in corral.log", () -> Files.readString(base.resolve("log/corral.log"))
            .contains("GET /control/applications/ticker/restart (from the control API): 200 {\"success\":\"Ok\"}"));
    }

    @Test
    public void statusHasUnitsCountsAndCorralsProcesses() throws Exception {
        JsonObject ticker = status().getAsJsonObject("applications").getAsJsonObject("ticker");
        JsonObject processes = ticker.getAsJsonObject("processes");
        assertEquals(2, processes.get("running").getAsInt());
        assertEquals(0, processes.get("starting").getAsInt());
        assertTrue(processes.has("idle"));
        JsonObject corral = ticker.getAsJsonObject("corral");
        assertEquals("running", corral.get("state").getAsString());
        assertEquals(2, corral.get("wanted").getAsInt());
        JsonObject first = corral.getAsJsonArray("processes").get(0).getAsJsonObject();
        assertTrue(first.toString(), Procs.alive(first.get("pid").getAsInt()));
        assertEquals(first.toString(), "nobody", first.get("user").getAsString());
        Http put = curl("-X", "PUT", "-d", "{}", "http://localhost/status");
        assertEquals(405, put.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Invalid method.\"}"), put.json());
        Http path = curl("http://localhost/status/applications/nosuch");
        assertEquals(404, path.status());
        assertEquals(JsonParser.parseString("{\"error\": \"Invalid path.\"}"), path.json());
    }

    /**
     * Requests as Unit's documentation writes them (control API, application
     * and status pages), for an external application, unchanged but for the
     * socket's path.
     */
    @Test
    public void unitsOwnExamplesForApplicationsWork() throws Exception {
        Path config = base.resolve("app.json");
        Files.writeString(config, "{\n    \"type\": \"external\",\n    \"executable\": \"/bin/sleep\",\n"
            + "    \"arguments\": [\"" + MARKER + "3\"],\n    \"processes\": 1\n}\n");
        List<String[]> examples = List.of(
            // curl -X PUT --data-binary @app.json --unix-socket ... http://localhost/config/applications/app_name
            new String[] {"-X", "PUT", "--data-binary", "@" + config, "http://localhost/config/applications/blogs"},
            // curl -X PUT -d '2' ... http://localhost/config/applications/app_name/processes
            new String[] {"-X", "PUT", "-d", "2", "http://localhost/config/applications/blogs/processes"},
            // curl -X PUT -d '{"max": 3, "spare": 1, "idle_timeout": 20}' ... /processes
            new String[] {"-X", "PUT", "-d", "{\"max\": 3, \"spare\": 1, \"idle_timeout\": 20}",
                "http://localhost/config/applications/blogs/processes"},
            // curl -X PUT -d '{"HOME": "/tmp"}' ... /environment
            new String[] {"-X", "PUT", "-d", "{\"APP_MODE\": \"production\"}",
                "http://localhost/config/applications/blogs/environment"},
            // curl -X POST -d '"..."' ... an array member: appended
            new String[] {"-X", "POST", "-d", "\"" + MARKER + "4\"", "http://localhost/config/applications/blogs/arguments"},
            // curl -X DELETE ... http://localhost/config/applications/app_name/environment
            new String[] {"-X", "DELETE", "http://localhost/config/applications/blogs/environment"});
        for (String[] e : examples) {
            assertSuccess(curl(e));
        }
        JsonObject blogs = file().getAsJsonObject("applications").getAsJsonObject("blogs");
        assertEquals(JsonParser.parseString("[\"" + MARKER + "3\", \"" + MARKER + "4\"]"), blogs.get("arguments"));
        assertFalse(blogs.has("environment"));
        // curl --unix-socket ... http://localhost/config/ (a trailing slash is the same path)
        assertEquals(file(), curl("http://localhost/config/").json());
        // curl --unix-socket ... http://localhost/status/applications/app_name/processes/
        await("blogs runs its spare", () -> curl("http://localhost/status/applications/blogs/processes/")
            .json().getAsJsonObject().get("running").getAsInt() >= 1);
        // curl -X GET --unix-socket ... http://localhost/control/applications/app_name/restart
        List<Integer> before = pids("blogs");
        Http restart = curl("-X", "GET", "http://localhost/control/applications/blogs/restart");
        assertEquals(restart.body(), 200, restart.status());
        await("blogs restarted", () -> {
            List<Integer> now = pids("blogs");
            return !now.isEmpty() && Collections.disjoint(now, before);
        });
        // curl -X DELETE ... http://localhost/config/applications/app_name
        assertSuccess(curl("-X", "DELETE", "http://localhost/config/applications/blogs"));
        assertFalse(file().getAsJsonObject("applications").has("blogs"));
    }

    @Test
    public void anotherUserCannotConnectNorBeServedWhenTheSocketIsOpenedUp() throws Exception {
        Http denied = curl(NOBODY, "http://localhost/config");
        assertEquals("no connection for another user: curl reports no HTTP status", 0, denied.status());
        Path run = socket.getParent();
        try {
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            Http peer = curl(NOBODY, "http://localhost/config");
            assertEquals(peer.body(), 403, peer.status());
            assertEquals(JsonParser.parseString("{\"error\": \"Permission denied.\", \"detail\": \"this instance's"
                + " control socket admits only root, not nobody\"}"), peer.json());
            Http put = curl(NOBODY, "-X", "DELETE", "http://localhost/config/applications/ticker");
            assertEquals(403, put.status());
            assertTrue(file().getAsJsonObject("applications").has("ticker"));
        } finally {
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        assertNotEquals(List.of(), pids("ticker"));
    }
}
