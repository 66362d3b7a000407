package io.corral.app.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Filesystem.Mount;
import java.util.List;
import org.junit.Test;

/** The file-system members of "isolation", and new_privs, through the whole document's validation. */
public class FilesystemValidatorTest {

    private static final String MOUNT_NS = "\"namespaces\": {\"mount\": true}";

    /** A document whose application "web" has these members of "isolation" (JSON without braces). */
    private static String isolation(String members) {
        return "{\"applications\": {\"web\": {\"type\": \"external\", \"executable\": \"/bin/sleep\","
            + " \"isolation\": {" + members + "}}}}";
    }

    /** The same with the mount namespace. */
    private static String mounted(String members) {
        return isolation(MOUNT_NS + ", " + members);
    }

    private static AppConfig web(String document) throws ConfigurationException {
        return DocumentValidator.validate(document).applications().get("web");
    }

    private static String refused(String document) {
        return DocumentValidatorTest.refused(document);
    }

    // ---- Unit's rootfs ----

    @Test
    public void aRootfsComesWithUnitsAutomountsOn() throws Exception {
        Filesystem fs = web(mounted("\"rootfs\": \"/srv/app-root\"")).filesystem();
        assertEquals("/srv/app-root", fs.rootfs().orElseThrow());
        assertTrue(fs.procfs());
        assertTrue(fs.tmpfs());
        assertTrue(fs.languageDeps());
        assertEquals(List.of(), fs.mounts());
    }

    @Test
    public void theRootfsTrailingSlashIsDroppedAsUnitDoes() throws Exception {
        assertEquals("/srv/app-root", web(mounted("\"rootfs\": \"/srv/app-root/\"")).filesystem().rootfs()
            .orElseThrow());
    }

    @Test
    public void theHostsRootIsRefusedInUnitsWords() {
        for (String bad : new String[] {"/", "//", "", "srv/app-root"}) {
            assertEquals("applications/web/isolation/rootfs: rootfs requires an absolute path other than \"/\" but"
                + " given \"" + bad + "\".", refused(mounted("\"rootfs\": \"" + bad + "\"")));
        }
    }

    @Test
    public void rootfsIsAString() {
        assertEquals("applications/web/isolation/rootfs: The \"rootfs\" value must be a string, but not a boolean.",
            refused(mounted("\"rootfs\": true")));
        assertEquals("applications/web/isolation/rootfs: The \"rootfs\" value must not contain null character.",
            refused(mounted("\"rootfs\": \"/srv/a\\u0000b\"")));
    }

    @Test
    public void noIsolationIsTheHostsTree() throws Exception {
        assertEquals(Filesystem.NONE, web(isolation(MOUNT_NS)).filesystem());
        assertEquals(Filesystem.NONE, DocumentValidator.validate("{\"applications\": {\"web\": {\"type\":"
            + " \"external\", \"executable\": \"/bin/sleep\"}}}").applications().get("web").filesystem());
    }

    // ---- Unit's automount ----

    @Test
    public void automountMembersTurnUnitsDefaultsOff() throws Exception {
        Filesystem fs = web(mounted("\"rootfs\": \"/srv/r\", \"automount\": {\"procfs\": false, \"tmpfs\": false,"
            + " \"language_deps\": false}")).filesystem();
        assertFalse(fs.procfs());
        assertFalse(fs.tmpfs());
        assertFalse(fs.languageDeps());
        Filesystem some = web(mounted("\"automount\": {\"tmpfs\": false}, \"rootfs\": \"/srv/r\"")).filesystem();
        assertTrue(some.procfs());
        assertFalse(some.tmpfs());
    }

    @Test
    public void automountWithoutARootfsChangesNothingAsInUnit() throws Exception {
        Filesystem fs = web(isolation("\"automount\": {\"procfs\": true, \"tmpfs\": true}")).filesystem();
        assertEquals(Filesystem.NONE, fs);
    }

    @Test
    public void anUnknownAutomountMemberIsRefused() {
        assertEquals("applications/web/isolation/automount: Unknown parameter \"devfs\".",
            refused(mounted("\"rootfs\": \"/srv/r\", \"automount\": {\"devfs\": true}")));
    }

    @Test
    public void automountMembersAreBooleans() {
        assertEquals("applications/web/isolation/automount/procfs: The \"procfs\" value must be a boolean, but not"
            + " a string.", refused(mounted("\"automount\": {\"procfs\": \"no\"}")));
        assertEquals("applications/web/isolation/automount/language_deps: The \"language_deps\" value must be a"
            + " boolean, but not an integer number.", refused(mounted("\"automount\": {\"language_deps\": 0}")));
        assertEquals("applications/web/isolation/automount: The \"automount\" value must be an object, but not a"
            + " boolean.", refused(mounted("\"automount\": true")));
    }

    // ---- Unit's new_privs ----

    @Test
    public void newPrivsFalseIsNoNewPrivs() throws Exception {
        assertFalse(web(isolation("\"new_privs\": false")).isolation().newPrivileges());
        assertTrue(web(isolation("\"new_privs\": true")).isolation().newPrivileges());
        assertTrue("Unit's default", web(isolation(MOUNT_NS)).isolation().newPrivileges());
    }

    @Test
    public void newPrivsIsABoolean() {
        assertEquals("applications/web/isolation/new_privs: The \"new_privs\" value must be a boolean, but not a"
            + " string.", refused(isolation("\"new_privs\": \"false\"")));
        assertEquals("applications/web/isolation/new_privs: The \"new_privs\" value must be a boolean, but not an"
            + " integer number.", refused(isolation("\"new_privs\": 0")));
    }

    // ---- Corral's mounts and read_only_root ----

    @Test
    public void everyKindOfMountInOrder() throws Exception {
        Filesystem fs = web(mounted("\"rootfs\": \"/srv/r\", \"read_only_root\": true, \"mounts\": ["
            + "{\"type\": \"bind\", \"source\": \"/usr\", \"destination\": \"/usr\", \"read_only\": true},"
            + "{\"type\": \"bind\", \"source\": \"/srv/data\", \"destination\": \"/data\"},"
            + "{\"type\": \"tmpfs\", \"destination\": \"/tmp\"}, {\"type\": \"proc\", \"destination\": \"/proc\"},"
            + "{\"destination\": \"/dev\", \"type\": \"dev\"}]")).filesystem();
        assertEquals(List.of(Mount.bind("/usr", "/usr", true), Mount.bind("/srv/data", "/data", false),
            Mount.tmpfs("/tmp"), Mount.proc("/proc"), Mount.dev("/dev")), fs.mounts());
        assertTrue(fs.readOnlyRoot());
    }

    @Test
    public void mountsWithoutARootfsAreMadeInTheNamespacesTree() throws Exception {
        Filesystem fs = web(mounted("\"mounts\": [{\"type\": \"tmpfs\", \"destination\": \"/tmp\"}]")).filesystem();
        assertTrue(fs.rootfs().isEmpty());
        assertFalse("no rootfs, no automount", fs.procfs());
        assertEquals(List.of(Mount.tmpfs("/tmp")), fs.mounts());
    }

    @Test
    public void aMountIsAnObjectOfKnownMembers() {
        assertEquals("applications/web/isolation/mounts/0: The \"mounts\" array must contain only object values.",
            refused(mounted("\"mounts\": [\"/usr\"]")));
        assertEquals("applications/web/isolation/mounts: The \"mounts\" value must be an array, but not an object.",
            refused(mounted("\"mounts\": {}")));
        assertEquals("applications/web/isolation/mounts/1: Unknown parameter \"options\".",
            refused(mounted("\"mounts\": [{\"type\": \"tmpfs\", \"destination\": \"/tmp\"},"
                + " {\"type\": \"tmpfs\", \"destination\": \"/run\", \"options\": \"size=1m\"}]")));
    }

    @Test
    public void theTypeIsRequiredAndKnown() {
        assertEquals("applications/web/isolation/mounts/0: The mount requires the \"type\" field set.",
            refused(mounted("\"mounts\": [{\"destination\": \"/tmp\"}]")));
        assertEquals("applications/web/isolation/mounts/0/type: The \"type\" value must be \"bind\", \"tmpfs\","
            + " \"proc\" or \"dev\", but not \"overlay\".",
            refused(mounted("\"mounts\": [{\"type\": \"overlay\", \"destination\": \"/\"}]")));
        assertEquals("applications/web/isolation/mounts/0/type: The \"type\" value must be a string, but not a"
            + " null.", refused(mounted("\"mounts\": [{\"type\": null, \"destination\": \"/tmp\"}]")));
    }

    @Test
    public void aBindNeedsAnAbsoluteSource() {
        assertEquals("applications/web/isolation/mounts/0: The \"bind\" mount requires the \"source\" field set.",
            refused(mounted("\"mounts\": [{\"type\": \"bind\", \"destination\": \"/usr\"}]")));
        assertEquals("applications/web/isolation/mounts/0/source: The \"source\" value must be an absolute path."
            + " Got \"usr\".",
            refused(mounted("\"mounts\": [{\"type\": \"bind\", \"source\": \"usr\", \"destination\": \"/usr\"}]")));
    }

    @Test
    public void onlyABindHasASourceAndReadOnly() {
        assertEquals("applications/web/isolation/mounts/0/source: A \"tmpfs\" mount takes no \"source\" field;"
            + " only a \"bind\" mount has one.",
            refused(mounted("\"mounts\": [{\"type\": \"tmpfs\", \"source\": \"/x\", \"destination\": \"/tmp\"}]")));
        assertEquals("applications/web/isolation/mounts/0/read_only: A \"proc\" mount takes no \"read_only\""
            + " field; only a \"bind\" mount has one.",
            refused(mounted("\"mounts\": [{\"type\": \"proc\", \"destination\": \"/proc\", \"read_only\": true}]")));
    }

    @Test
    public void theDestinationIsRequiredAbsoluteAndStaysInside() {
        assertEquals("applications/web/isolation/mounts/0: The mount requires the \"destination\" field set.",
            refused(mounted("\"mounts\": [{\"type\": \"proc\"}]")));
        assertEquals("applications/web/isolation/mounts/0/destination: The \"destination\" value must be an"
            + " absolute path. Got \"tmp\".", refused(mounted("\"mounts\": [{\"type\": \"tmpfs\","
                + " \"destination\": \"tmp\"}]")));
        for (String bad : new String[] {"/..", "/a/../etc", "/a/.."}) {
            assertEquals("applications/web/isolation/mounts/0/destination: The \"destination\" value must not"
                + " contain a \"..\" component. Got \"" + bad + "\".",
                refused(mounted("\"mounts\": [{\"type\": \"tmpfs\", \"destination\": \"" + bad + "\"}]")));
        }
    }

    @Test
    public void dotsInANameAreNotAComponent() throws Exception {
        assertEquals(List.of(Mount.tmpfs("/a/..b/c..")), web(mounted("\"mounts\": [{\"type\": \"tmpfs\","
            + " \"destination\": \"/a/..b/c..\"}]")).filesystem().mounts());
    }

    @Test
    public void readOnlyFlagsAreBooleans() {
        assertEquals("applications/web/isolation/mounts/0/read_only: The \"read_only\" value must be a boolean, but"
            + " not a string.", refused(mounted("\"mounts\": [{\"type\": \"bind\", \"source\": \"/usr\","
                + " \"destination\": \"/usr\", \"read_only\": \"yes\"}]")));
        assertEquals("applications/web/isolation/read_only_root: The \"read_only_root\" value must be a boolean, but"
            + " not an integer number.", refused(mounted("\"read_only_root\": 1")));
    }

    // ---- the mount namespace ----

    @Test
    public void everyMountNeedsTheMountNamespace() {
        assertEquals("applications/web/isolation: \"rootfs\" is set but \"isolation.namespaces.mount\" is false"
            + " or unset.", refused(isolation("\"rootfs\": \"/srv/r\"")));
        assertEquals("applications/web/isolation: \"mounts\" is set but \"isolation.namespaces.mount\" is false"
            + " or unset.", refused(isolation("\"namespaces\": {\"mount\": false, \"pid\": true},"
                + " \"mounts\": [{\"type\": \"tmpfs\", \"destination\": \"/tmp\"}]")));
        assertEquals("applications/web/isolation: \"read_only_root\" is set but \"isolation.namespaces.mount\" is"
            + " false or unset.", refused(isolation("\"read_only_root\": true")));
    }

    @Test
    public void whatAsksForNoMountNeedsNoNamespace() throws Exception {
        assertEquals(Filesystem.NONE, web(isolation("\"mounts\": [], \"read_only_root\": false,"
            + " \"automount\": {\"tmpfs\": false}")).filesystem());
    }
}
