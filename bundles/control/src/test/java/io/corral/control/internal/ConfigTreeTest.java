package io.corral.control.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.Test;

/** Unit's edits by path (nxt_conf_op_compile): what exists, what is created, what is refused and how. */
public class ConfigTreeTest {

    private static final JsonElement DOC = JsonParser.parseString(
        "{\"applications\": {\"web\": {\"type\": \"external\", \"arguments\": [\"a\", \"b\"]}}}");

    private static JsonElement json(String text) {
        return JsonParser.parseString(text);
    }

    private static List<String> path(String p) {
        return p.isEmpty() ? List.of() : List.of(p.split("/", -1));
    }

    private static void refused(int status, String title, ThrowingEdit edit) {
        try {
            edit.run();
            fail("expected " + status);
        } catch (ControlError e) {
            assertEquals(status, e.status());
            assertEquals(title, e.getMessage());
        }
    }

    interface ThrowingEdit {
        void run() throws ControlError;
    }

    @Test
    public void getFollowsObjectsAndArrayIndexes() {
        assertEquals(json("\"b\""), ConfigTree.get(DOC, path("applications/web/arguments/1")));
        assertEquals(DOC, ConfigTree.get(DOC, path("")));
        assertNull(ConfigTree.get(DOC, path("applications/web/arguments/2")));
        assertNull(ConfigTree.get(DOC, path("applications/web/arguments/x")));
        assertNull(ConfigTree.get(DOC, path("applications/web/type/0")));
        assertNull(ConfigTree.get(DOC, path("applications//web")));
    }

    @Test
    public void putCreatesOrReplacesAMemberAndLeavesTheOriginalAlone() throws ControlError {
        JsonElement next = ConfigTree.put(DOC, path("applications/new"), json("{\"type\": \"external\"}"));
        assertEquals(json("{\"type\": \"external\"}"), ConfigTree.get(next, path("applications/new")));
        assertNull(ConfigTree.get(DOC, path("applications/new")));
        JsonElement replaced = ConfigTree.put(DOC, path("applications/web/type"), json("\"python\""));
        assertEquals(json("\"python\""), ConfigTree.get(replaced, path("applications/web/type")));
    }

    @Test
    public void putOfAnArrayElementReplacesItOrAppendsAtTheLength() throws ControlError {
        assertEquals(json("[\"a\", \"c\"]"), ConfigTree.get(ConfigTree.put(DOC, path("applications/web/arguments/1"),
            json("\"c\"")), path("applications/web/arguments")));
        assertEquals(json("[\"a\", \"b\", \"c\"]"), ConfigTree.get(ConfigTree.put(DOC,
            path("applications/web/arguments/2"), json("\"c\"")), path("applications/web/arguments")));
        refused(404, "Value doesn't exist.", () -> ConfigTree.put(DOC, path("applications/web/arguments/3"),
            json("\"c\"")));
    }

    @Test
    public void putBelowAMissingValueOrIntoAScalarIsNotFound() {
        refused(404, "Value doesn't exist.", () -> ConfigTree.put(DOC, path("applications/none/type"), json("1")));
        refused(404, "Value doesn't exist.", () -> ConfigTree.put(DOC, path("applications/web/type/x"), json("1")));
    }

    @Test
    public void putOfTheRootReplacesTheWholeTree() throws ControlError {
        assertEquals(json("{\"applications\": {}}"), ConfigTree.put(DOC, path(""), json("{\"applications\": {}}")));
    }

    @Test
    public void postAppendsToAnArrayOnly() throws ControlError {
        assertEquals(json("[\"a\", \"b\", \"c\"]"), ConfigTree.get(ConfigTree.post(DOC, path("applications/web/arguments"),
            json("\"c\"")), path("applications/web/arguments")));
        refused(405, "Method isn't allowed.", () -> ConfigTree.post(DOC, path("applications/web"), json("1")));
        refused(405, "Method isn't allowed.", () -> ConfigTree.post(DOC, path(""), json("1")));
        refused(404, "Value doesn't exist.", () -> ConfigTree.post(DOC, path("applications/web/none"), json("1")));
    }

    @Test
    public void deleteRemovesAMemberOrAnElementAndTheRootLeavesAnEmptyObject() throws ControlError {
        assertNull(ConfigTree.get(ConfigTree.delete(DOC, path("applications/web")), path("applications/web")));
        assertEquals(json("[\"b\"]"), ConfigTree.get(ConfigTree.delete(DOC, path("applications/web/arguments/0")),
            path("applications/web/arguments")));
        assertEquals(json("{}"), ConfigTree.delete(DOC, path("")));
        refused(404, "Value doesn't exist.", () -> ConfigTree.delete(DOC, path("applications/none")));
        refused(404, "Value doesn't exist.", () -> ConfigTree.delete(DOC, path("applications/web/arguments/2")));
    }
}
