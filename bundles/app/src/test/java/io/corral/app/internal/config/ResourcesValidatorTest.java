package io.corral.app.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.Resources;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.Test;

/** {@code "resources"} and Unit's {@code "isolation": {"cgroup": {"path"}}} of an application. */
public class ResourcesValidatorTest {

    private static String web(String members) {
        return "{\"applications\": {\"web\": {\"type\": \"external\", \"executable\": \"/bin/sleep\""
            + (members.isEmpty() ? "" : ", " + members) + "}}}";
    }

    private static Resources resources(String members) throws ConfigurationException {
        return DocumentValidator.validate(web(members)).applications().get("web").resources();
    }

    private static Resources limits(String json) throws ConfigurationException {
        return resources("\"resources\": " + json);
    }

    private static Optional<String> cgroup(String path) throws ConfigurationException {
        return resources("\"isolation\": {\"cgroup\": {\"path\": \"" + path + "\"}}").cgroupPath();
    }

    private static void assertRefused(String members, String message) {
        String document = web(members);
        try {
            DocumentValidator.validate(document);
            fail("must be refused: " + document);
        } catch (ConfigurationException e) {
            assertEquals(message, e.getMessage());
        }
    }

    private static void assertLimitRefused(String json, String message) {
        assertRefused("\"resources\": " + json, message);
    }

    @Test
    public void everyLimitIsRead() throws Exception {
        Resources r = resources("\"resources\": {\"memory_max\": \"64M\", \"pids_max\": 32, \"cpu_max\": 0.5,"
            + " \"rlimits\": {\"nofile\": 256, \"core\": 0, \"nproc\": \"unlimited\"}},"
            + " \"isolation\": {\"cgroup\": {\"path\": \"scope/python\"}}");
        assertEquals(OptionalLong.of(64L << 20), r.memoryMax());
        assertEquals(OptionalInt.of(32), r.pidsMax());
        assertEquals(OptionalDouble.of(0.5), r.cpuMax());
        assertEquals(Map.of("nofile", 256L, "core", 0L, "nproc", Resources.UNLIMITED), r.rlimits());
        assertEquals(Optional.of("scope/python"), r.cgroupPath());
    }

    @Test
    public void noneAsksForNothing() throws Exception {
        assertTrue(resources("").isDefault());
        assertTrue(limits("{}").isDefault());
        assertTrue(resources("\"isolation\": {\"namespaces\": {\"cgroup\": true}}").isDefault());
    }

    @Test
    public void memoryInBytesOrAsAStringWithASuffix() throws Exception {
        assertEquals(OptionalLong.of(1048576), limits("{\"memory_max\": 1048576}").memoryMax());
        assertEquals(OptionalLong.of(3L << 30), limits("{\"memory_max\": \"3G\"}").memoryMax());
        assertEquals(OptionalLong.of(2L << 20), limits("{\"memory_max\": \"2048k\"}").memoryMax());
        assertLimitRefused("{\"memory_max\": \"64MB\"}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be a number of bytes, or a string of a whole number with K, M, G or T (powers of 1024)"
            + " such as \"64M\". Got \"64MB\".");
        assertLimitRefused("{\"memory_max\": \"1.5G\"}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be a number of bytes, or a string of a whole number with K, M, G or T (powers of 1024)"
            + " such as \"64M\". Got \"1.5G\".");
        assertLimitRefused("{\"memory_max\": 1000}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be at least 1M (1048576 bytes). Got 1000.");
        assertLimitRefused("{\"memory_max\": \"512K\"}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be at least 1M (1048576 bytes). Got \"512K\".");
        assertLimitRefused("{\"memory_max\": 0}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be at least 1M (1048576 bytes). Got 0.");
        assertLimitRefused("{\"memory_max\": \"8388608T\"}", "applications/web/resources/memory_max: The"
            + " \"memory_max\" value must not exceed 9223372036854775807 bytes. Got \"8388608T\".");
        assertLimitRefused("{\"memory_max\": 9223372036854775808}", "applications/web/resources/memory_max: The"
            + " \"memory_max\" value must not exceed 9223372036854775807 bytes. Got 9223372036854775808.");
        assertLimitRefused("{\"memory_max\": 1.5}", "applications/web/resources/memory_max: The \"memory_max\""
            + " value must be either an integer number or a string, but not a fractional number.");
    }

    @Test
    public void pidsMaxIsAPositiveInteger() throws Exception {
        assertEquals(OptionalInt.of(1), limits("{\"pids_max\": 1}").pidsMax());
        assertLimitRefused("{\"pids_max\": 0}", "applications/web/resources/pids_max: The \"pids_max\" number"
            + " must be equal to or greater than 1. Got 0.");
        assertLimitRefused("{\"pids_max\": 2147483648}", "applications/web/resources/pids_max: The \"pids_max\""
            + " number must not exceed 2147483647. Got 2147483648.");
        assertLimitRefused("{\"pids_max\": \"32\"}", "applications/web/resources/pids_max: The \"pids_max\" value"
            + " must be an integer number, but not a string.");
    }

    @Test
    public void cpuMaxIsANumberOfCpus() throws Exception {
        assertEquals(OptionalDouble.of(2), limits("{\"cpu_max\": 2}").cpuMax());
        assertEquals(OptionalDouble.of(0.01), limits("{\"cpu_max\": 1e-2}").cpuMax());
        assertLimitRefused("{\"cpu_max\": 0.001}", "applications/web/resources/cpu_max: The \"cpu_max\" number"
            + " must be from 0.01 to 1024 CPUs. Got 0.001.");
        assertLimitRefused("{\"cpu_max\": 0}", "applications/web/resources/cpu_max: The \"cpu_max\" number"
            + " must be from 0.01 to 1024 CPUs. Got 0.");
        assertLimitRefused("{\"cpu_max\": 1024.5}", "applications/web/resources/cpu_max: The \"cpu_max\" number"
            + " must be from 0.01 to 1024 CPUs. Got 1024.5.");
        assertLimitRefused("{\"cpu_max\": \"0.5\"}", "applications/web/resources/cpu_max: The \"cpu_max\" value"
            + " must be either an integer number or a fractional number, but not a string.");
    }

    @Test
    public void rlimitsByNameWithAnIntegerOrUnlimited() {
        assertLimitRefused("{\"rlimits\": {\"files\": 1}}", "applications/web/resources/rlimits: Unknown parameter"
            + " \"files\". The \"rlimits\" are as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile,"
            + " nproc, rss, rtprio, rttime, sigpending, stack.");
        assertLimitRefused("{\"rlimits\": {\"nofile\": -1}}", "applications/web/resources/rlimits/nofile: The"
            + " \"nofile\" rlimit must be an integer number from 0 to 9223372036854775807 or \"unlimited\". Got -1.");
        assertLimitRefused("{\"rlimits\": {\"nofile\": \"lots\"}}", "applications/web/resources/rlimits/nofile:"
            + " The \"nofile\" rlimit must be an integer number from 0 to 9223372036854775807 or \"unlimited\"."
            + " Got \"lots\".");
        assertLimitRefused("{\"rlimits\": {\"core\": 9223372036854775808}}", "applications/web/resources/rlimits/"
            + "core: The \"core\" rlimit must be an integer number from 0 to 9223372036854775807 or \"unlimited\"."
            + " Got 9223372036854775808.");
        assertLimitRefused("{\"rlimits\": {\"core\": false}}", "applications/web/resources/rlimits/core: The"
            + " \"core\" value must be either an integer number or a string, but not a boolean.");
        assertLimitRefused("{\"rlimits\": [\"core\"]}", "applications/web/resources/rlimits: The \"rlimits\" value"
            + " must be an object, but not an array.");
    }

    @Test
    public void unknownKeysAndWrongTypes() {
        assertLimitRefused("{\"swap_max\": 1}", "applications/web/resources: Unknown parameter \"swap_max\".");
        assertLimitRefused("[]", "applications/web/resources: The \"resources\" value must be an object, but not"
            + " an array.");
    }

    @Test
    public void oneBadValueRefusesTheWholeDocument() {
        String document = "{\"applications\": {\"good\": {\"type\": \"external\", \"executable\": \"x\","
            + " \"resources\": {\"memory_max\": \"64M\"}}, \"bad\": {\"type\": \"external\", \"executable\": \"x\","
            + " \"resources\": {\"pids_max\": 0}}}}";
        try {
            DocumentValidator.validate(document);
            fail("must be refused");
        } catch (ConfigurationException e) {
            assertEquals("applications/bad/resources/pids_max", e.path());
        }
    }

    // ---- Unit's isolation.cgroup.path (nxt_conf_vldt_cgroup_path), Unit's sentences ----

    @Test
    public void cgroupPathRelativeOrAbsolute() throws Exception {
        assertEquals(Optional.of("scope/python"), cgroup("scope/python"));
        assertEquals(Optional.of("/scope2/python"), cgroup("/scope2/python"));
        assertEquals(Optional.of("scope/..python"), cgroup("scope/..python"));
    }

    @Test
    public void cgroupPathInvalid() {
        for (String bad : new String[] {"", "..", "../scope", "scope/../python", "scope/..", "/../scope"}) {
            assertRefused("\"isolation\": {\"cgroup\": {\"path\": \"" + bad + "\"}}",
                "applications/web/isolation/cgroup/path: The cgroup path \"" + bad + "\" is invalid.");
        }
    }

    @Test
    public void cgroupPathTooLong() throws Exception {
        String longest = "a".repeat(4080);
        assertEquals(Optional.of(longest), cgroup(longest));
        String tooLong = "a".repeat(4081);
        assertRefused("\"isolation\": {\"cgroup\": {\"path\": \"" + tooLong + "\"}}",
            "applications/web/isolation/cgroup/path: The cgroup path \"" + tooLong + "\" is too long.");
        // Unit counts bytes: 2041 two-byte characters are 4082 bytes.
        String wide = "\u00e9".repeat(2041);
        assertRefused("\"isolation\": {\"cgroup\": {\"path\": \"" + wide + "\"}}",
            "applications/web/isolation/cgroup/path: The cgroup path \"" + wide + "\" is too long.");
    }

    @Test
    public void cgroupPathRequired() {
        assertRefused("\"isolation\": {\"cgroup\": {}}",
            "applications/web/isolation/cgroup: Required parameter \"path\" is missing.");
        assertRefused("\"isolation\": {\"cgroup\": {\"pth\": \"scope\"}}",
            "applications/web/isolation/cgroup: Required parameter \"path\" is missing.");
        assertRefused("\"isolation\": {\"cgroup\": {\"path\": \"scope\", \"mode\": 1}}",
            "applications/web/isolation/cgroup: Unknown parameter \"mode\".");
        assertRefused("\"isolation\": {\"cgroup\": {\"path\": 1}}",
            "applications/web/isolation/cgroup/path: The \"path\" value must be a string, but not an integer number.");
        assertRefused("\"isolation\": {\"cgroup\": \"scope\"}",
            "applications/web/isolation/cgroup: The \"cgroup\" value must be an object, but not a string.");
    }

    @Test
    public void theCgroupPathJoinsTheLimitsAndLeavesTheNamespacesAlone() throws Exception {
        AppConfig a = DocumentValidator.validate(web("\"isolation\": {\"namespaces\": {\"cgroup\": true},"
            + " \"cgroup\": {\"path\": \"scope\"}}, \"resources\": {\"pids_max\": 8}")).applications().get("web");
        assertEquals(Optional.of("scope"), a.resources().cgroupPath());
        assertEquals(OptionalInt.of(8), a.resources().pidsMax());
        assertTrue(a.isolation().has(Namespace.CGROUP));
    }

    @Test
    public void changedLimitsAreMoreThanProcesses() throws Exception {
        AppConfig a = DocumentValidator.validate(web("\"resources\": {\"pids_max\": 8}")).applications().get("web");
        AppConfig b = DocumentValidator.validate(web("\"resources\": {\"pids_max\": 9}")).applications().get("web");
        assertFalse(a.sameButProcesses(b));
    }
}
