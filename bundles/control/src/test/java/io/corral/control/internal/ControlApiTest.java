package io.corral.control.internal;

import static org.junit.Assert.assertEquals;

import com.google.gson.JsonParser;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.app.ConfigurationException;
import io.corral.api.app.Reloaded;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.Test;

/** What each method and path answers, in Unit's words, with a manager that records what it was asked. */
public class ControlApiTest {

    /** Runs the document it is given; refuses one whose text holds "bad", fails to write one holding "disk". */
    private static final class FakeManager implements ApplicationManager {
        String document = "{\"applications\": {\"web\": {\"type\": \"external\", \"arguments\": [\"a\"]}}}";
        final List<String> calls = new ArrayList<>();

        @Override
        public Reloaded apply(String next) throws ConfigurationException {
            if (next.contains("bad")) {
                throw new ConfigurationException("applications/bad", "Unknown parameter \"bad\".");
            }
            if (next.contains("disk")) {
                throw new IllegalStateException("writing etc/corral.json: No space left on device; nothing changed");
            }
            document = next;
            calls.add("apply");
            return null; // the API answers the same whatever changed
        }

        @Override
        public String configuration() {
            return document;
        }

        @Override
        public List<ApplicationStatus> applications() {
            return List.of();
        }

        @Override
        public Optional<ApplicationStatus> application(String name) {
            return Optional.empty();
        }

        @Override
        public void start(String name) {
            calls.add("start " + name);
        }

        @Override
        public void stop(String name) {
            calls.add("stop " + name);
        }

        @Override
        public void restart(String name) {
            calls.add("restart " + name);
        }

        @Override
        public void scale(String name, int processes) {
        }

        @Override
        public Reloaded reload() {
            throw new UnsupportedOperationException("the control API applies documents; it never reloads the file");
        }

        @Override
        public Path configurationFile() {
            return Path.of("etc/corral.json");
        }

        @Override
        public boolean requestWorker(int routerPid, String application) {
            return false;
        }
    }

    private final FakeManager apps = new FakeManager();
    private final ControlApi api = new ControlApi(apps, pid -> Optional.empty());

    private ControlApi.Reply call(String method, String path, String body) {
        return api.handle(method, path, () -> body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertReply(int status, String json, ControlApi.Reply reply) {
        assertEquals(reply.body().toString(), status, reply.status());
        assertEquals(JsonParser.parseString(json), reply.body());
    }

    @Test
    public void putAppliesTheWholeDocumentWithTheChange() {
        assertReply(200, "{\"success\": \"Reconfiguration done.\"}",
            call("PUT", "/config/applications/web/arguments/1", "\"b\""));
        assertEquals(JsonParser.parseString("{\"applications\": {\"web\": {\"type\": \"external\","
            + " \"arguments\": [\"a\", \"b\"]}}}"), JsonParser.parseString(apps.document));
    }

    @Test
    public void aRefusedDocumentIsInvalidConfigurationAndChangesNothing() {
        String before = apps.document;
        assertReply(400, "{\"error\": \"Invalid configuration.\", \"detail\": \"applications/bad: Unknown parameter"
            + " \\\"bad\\\".\"}", call("PUT", "/config/applications/bad", "{}"));
        assertEquals(before, apps.document);
        assertReply(500, "{\"error\": \"Failed to apply new configuration.\", \"detail\": \"writing etc/corral.json:"
            + " No space left on device; nothing changed\"}", call("PUT", "/config/applications/disk", "{}"));
        assertEquals(List.of(), apps.calls);
    }

    @Test
    public void methodsAndPathsAnswerAsUnitDoes() {
        assertReply(405, "{\"error\": \"Method isn't allowed.\"}", call("POST", "/config", "{}"));
        assertReply(405, "{\"error\": \"Method isn't allowed.\"}", call("POST", "/config/applications/web", "{}"));
        assertReply(405, "{\"error\": \"Method isn't allowed.\"}", call("PATCH", "/config", "{}"));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("DELETE", "/config/applications/none", ""));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("GET", "/config/applications/none", ""));
        assertReply(405, "{\"error\": \"Invalid method.\"}", call("DELETE", "/status", ""));
        assertReply(405, "{\"error\": \"Invalid method.\"}", call("PUT", "/", "{}"));
        assertReply(404, "{\"error\": \"Invalid path.\"}", call("GET", "/status/nothing", ""));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("GET", "/certificates", ""));
        assertReply(200, "{\"applications\": {}}", call("GET", "/status/", ""));
        assertEquals(JsonParser.parseString(apps.document), call("GET", "/", "").body().getAsJsonObject().get("config"));
        assertEquals(List.of(), apps.calls);
    }

    @Test
    public void controlRestartsStartsAndStopsApplicationsOfTheConfigurationOnly() {
        assertReply(200, "{\"success\": \"Ok\"}", call("GET", "/control/applications/web/restart", ""));
        assertReply(200, "{\"success\": \"Ok\"}", call("GET", "/control/applications/web/stop", ""));
        assertReply(200, "{\"success\": \"Ok\"}", call("GET", "/control/applications/web/start", ""));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("GET", "/control/applications/none/restart", ""));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("GET", "/control/applications/web/reload", ""));
        assertReply(404, "{\"error\": \"Value doesn't exist.\"}", call("GET", "/control/web/restart", ""));
        assertReply(405, "{\"error\": \"Method isn't allowed.\"}", call("PUT", "/control/applications/web/restart", ""));
        assertEquals(List.of("restart web", "stop web", "start web"), apps.calls);
    }
}
