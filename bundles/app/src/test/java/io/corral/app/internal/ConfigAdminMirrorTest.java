package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonObject;
import io.corral.api.app.ConfigurationException;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.config.DocumentValidator;
import java.util.Optional;
import org.junit.Test;

public class ConfigAdminMirrorTest {

    private static final String WEB = "{\"type\":\"external\",\"executable\":\"/bin/sleep\"}";

    private static Document doc() throws Exception {
        return DocumentValidator.validate("{\"applications\": {\"web\": " + WEB + "}}");
    }

    /** A configuration that only knows its pid and its deletion (which may fail). */
    private static org.osgi.service.cm.Configuration configuration(String pid, boolean deletionFails) {
        return (org.osgi.service.cm.Configuration) java.lang.reflect.Proxy.newProxyInstance(
            ConfigAdminMirrorTest.class.getClassLoader(), new Class<?>[] {org.osgi.service.cm.Configuration.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "getPid" -> pid;
                case "delete" -> {
                    if (deletionFails) {
                        throw new java.io.IOException("store unwritable");
                    }
                    yield null;
                }
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    public void eachOwnDeletionComesBackOnceAndAnyOtherIsAnOperators() throws Exception {
        ConfigAdminMirror.OwnDeletions own = new ConfigAdminMirror.OwnDeletions();
        own.delete(configuration("io.corral.app~web", false));
        own.delete(configuration("io.corral.app~web", false));
        assertTrue(own.comingBack("io.corral.app~web"));
        assertTrue(own.comingBack("io.corral.app~web"));
        assertFalse("a third deletion is not ours", own.comingBack("io.corral.app~web"));
        assertFalse(own.comingBack("io.corral.app~db"));
        try {
            own.delete(configuration("io.corral.app~db", true));
            fail("the failed deletion is reported");
        } catch (java.io.IOException expected) {
            assertFalse("a deletion that failed sends no event", own.comingBack("io.corral.app~db"));
        }
    }

    @Test
    public void ourOwnWriteComingBackChangesNothing() throws Exception {
        assertTrue(ConfigAdminMirror.edited(doc(), "web", Optional.of(WEB)).isEmpty());
        assertTrue("a deleted configuration of an application that is not there",
            ConfigAdminMirror.edited(doc(), "gone", Optional.empty()).isEmpty());
    }

    @Test
    public void anEditReplacesAddsOrRemovesOneApplication() throws Exception {
        JsonObject changed = ConfigAdminMirror.edited(doc(), "web",
            Optional.of("{\"type\":\"external\",\"executable\":\"/bin/sleep\",\"processes\":2}")).orElseThrow();
        assertEquals(2, changed.getAsJsonObject("applications").getAsJsonObject("web").get("processes").getAsInt());
        JsonObject added = ConfigAdminMirror.edited(doc(), "api", Optional.of(WEB)).orElseThrow();
        assertEquals(2, added.getAsJsonObject("applications").size());
        JsonObject removed = ConfigAdminMirror.edited(doc(), "web", Optional.empty()).orElseThrow();
        assertEquals(0, removed.getAsJsonObject("applications").size());
        assertTrue("the running document is not touched", doc().applications().containsKey("web"));
    }

    @Test
    public void anEditThatIsNotJsonIsRefused() throws Exception {
        try {
            ConfigAdminMirror.edited(doc(), "web", Optional.of("{processes: 2"));
            fail();
        } catch (ConfigurationException e) {
            assertEquals("Invalid JSON. Line 1, column 2: A double quote (\") is expected here. There must be a valid"
                + " JSON object member starts with a name, which is a string enclosed in double quotes.",
                e.getMessage());
        }
    }

    @Test
    public void namesComeFromFactoryPids() {
        assertEquals("web", ConfigAdminMirror.name("io.corral.app~web"));
        assertNull(ConfigAdminMirror.name("io.corral.app.manager"));
        assertNull(ConfigAdminMirror.name(null));
    }

    @Test
    public void theJsonPropertyIsTheApplicationAndTheOthersAreCopies() throws Exception {
        java.util.Dictionary<String, Object> p = ConfigAdminMirror.properties(doc().applications().get("web"));
        assertEquals(WEB, p.get("json"));
        assertEquals("web", p.get("name"));
        assertEquals("worker", p.get("role"));
        assertEquals("/bin/sleep", p.get("executable"));
    }
}
