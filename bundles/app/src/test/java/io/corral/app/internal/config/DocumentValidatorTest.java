package io.corral.app.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ProcessType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class DocumentValidatorTest {

    /** A document with one application "web" whose members are {@code members} (JSON without braces). */
    private static String web(String members) {
        return "{\"applications\": {\"web\": {\"type\": \"external\", \"executable\": \"/bin/sleep\""
            + (members.isEmpty() ? "" : ", " + members) + "}}}";
    }

    /** The message a refused document gets; fails when it is accepted. */
    static String refused(String document) {
        try {
            DocumentValidator.validate(document);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        fail("must be refused: " + document);
        return null;
    }

    private static void assertRefused(String document, String message) {
        assertEquals(message, refused(document));
    }

    @Test
    public void aFullApplicationKeepsEveryKey() throws Exception {
        Document d = DocumentValidator.validate("{\"applications\": {\"web\": {\"type\": \"external\","
            + " \"role\": \"router\", \"executable\": \"/bin/sleep\", \"arguments\": [\"10\"], \"user\": \"nobody\","
            + " \"group\": \"nogroup\", \"working_directory\": \"/tmp\", \"environment\": {\"A\": \"1\"},"
            + " \"processes\": {\"spare\": 1, \"max\": 4, \"idle_timeout\": 3},"
            + " \"isolation\": {\"namespaces\": {\"credential\": true, \"pid\": true, \"network\": false},"
            + " \"uidmap\": [{\"container\": 0, \"host\": 65534, \"size\": 1}]}}}}");
        AppConfig a = d.applications().get("web");
        assertEquals(ProcessType.ROUTER, a.role());
        assertEquals("/bin/sleep", a.executable());
        assertEquals(List.of("10"), a.arguments());
        assertEquals("nobody", a.user());
        assertEquals("nogroup", a.group());
        assertEquals("/tmp", a.workingDirectory());
        assertEquals(Map.of("A", "1"), a.environment());
        assertEquals(new Processes(1, 4, 3, false), a.processes());
        assertEquals(Set.of(Namespace.CREDENTIAL, Namespace.PID), a.isolation().namespaces());
        assertEquals(List.of(new IdMapEntry(0, 65534, 1)), a.isolation().uidMap());
    }

    @Test
    public void defaultsAreUnits() throws Exception {
        AppConfig a = DocumentValidator.validate(web("")).applications().get("web");
        assertEquals(ProcessType.WORKER, a.role());
        assertEquals(Processes.fixed(1), a.processes());
        assertEquals(List.of(), a.arguments());
        assertEquals(null, a.user());
        assertTrue(a.isolation().namespaces().isEmpty());
        Processes object = DocumentValidator.validate(web("\"processes\": {}")).applications().get("web").processes();
        assertEquals(new Processes(0, 1, 15, false), object);
    }

    @Test
    public void anIntegerIsThatManyAlways() throws Exception {
        Processes p = DocumentValidator.validate(web("\"processes\": 2")).applications().get("web").processes();
        assertEquals(2, p.spare());
        assertEquals(2, p.max());
        assertTrue(p.fixed());
    }

    @Test
    public void noApplicationsIsAnEmptyDocument() throws Exception {
        assertTrue(DocumentValidator.validate("{}").applications().isEmpty());
        assertTrue(DocumentValidator.validate("{\"applications\": {}}").applications().isEmpty());
    }

    @Test
    public void applicationsKeepTheDocumentsOrder() throws Exception {
        Document d = DocumentValidator.validate("{\"applications\": {"
            + "\"b\": {\"type\": \"external\", \"executable\": \"x\"},"
            + "\"a\": {\"type\": \"external\", \"executable\": \"x\"}}}");
        assertEquals(List.of("b", "a"), List.copyOf(d.applications().keySet()));
    }

    // ---- the refused documents of issue 6, each with its message ----

    @Test
    public void processesZero() {
        assertRefused(web("\"processes\": 0"),
            "applications/web/processes: The \"processes\" number must be equal to or greater than 1. Got 0.");
    }

    @Test
    public void spareNegative() {
        assertRefused(web("\"processes\": {\"spare\": -1}"),
            "applications/web/processes/spare: The \"spare\" number must not be negative. Got -1.");
    }

    @Test
    public void maxZero() {
        assertRefused(web("\"processes\": {\"max\": 0}"),
            "applications/web/processes/max: The \"max\" number must be equal to or greater than 1. Got 0.");
    }

    @Test
    public void spareAboveMax() {
        assertRefused(web("\"processes\": {\"spare\": 3, \"max\": 2}"),
            "applications/web/processes: The \"spare\" number must be less than or equal to \"max\"."
                + " Got spare 3 and max 2.");
    }

    @Test
    public void idleTimeoutNegative() {
        assertRefused(web("\"processes\": {\"idle_timeout\": -1}"),
            "applications/web/processes/idle_timeout: The \"idle_timeout\" number must not be negative. Got -1.");
    }

    @Test
    public void unknownKeys() {
        assertRefused(web("\"limits\": {}"), "applications/web: Unknown parameter \"limits\".");
        assertRefused(web("\"processes\": {\"min\": 1}"), "applications/web/processes: Unknown parameter \"min\".");
        assertRefused("{\"listeners\": {}}", "Unknown parameter \"listeners\".");
        assertRefused(web("\"isolation\": {\"namespaces\": {\"time\": true}}"),
            "applications/web/isolation/namespaces: Unknown parameter \"time\".");
    }

    @Test
    public void uidmapWithoutTheCredentialNamespace() {
        assertRefused(web("\"isolation\": {\"namespaces\": {\"pid\": true},"
                + " \"uidmap\": [{\"container\": 0, \"host\": 0, \"size\": 1}]}"),
            "applications/web/isolation: \"uidmap\" is set but \"isolation.namespaces.credential\" is false or unset.");
        assertRefused(web("\"isolation\": {\"namespaces\": {\"credential\": false},"
                + " \"gidmap\": [{\"container\": 0, \"host\": 0, \"size\": 1}]}"),
            "applications/web/isolation: \"gidmap\" is set but \"isolation.namespaces.credential\" is false or unset.");
    }

    @Test
    public void malformedJsonIsUnitsInvalidJsonWithLineAndColumn() {
        assertRefused("{\"applications\": {\"web\": {\"type\": \"external\",}}}",
            "Invalid JSON. Line 1, column 46: " + JsonText.NAME_EXPECTED);
        assertRefused("", "Invalid JSON. Line 1, column 1: " + JsonText.EMPTY);
        assertRefused("{} {}", "Invalid JSON. Line 1, column 4: " + JsonText.TRAILING);
        assertRefused("{\"applications\": {} /* unclosed\n}", "Invalid JSON. Line 1, column 21: "
            + JsonText.OBJECT_SEPARATOR);
        assertRefused("{\"applications\": {}, \"applications\": {}}", "Invalid JSON. Line 1, column 22:"
            + " Duplicate object member. All JSON object members must have unique names. Got \"applications\" twice.");
    }

    // ---- the rest of Unit's rules ----

    @Test
    public void typesAreNamedAsUnitNamesThem() {
        assertRefused(web("\"processes\": \"2\""), "applications/web/processes: The \"processes\" value must be"
            + " either an integer number or an object, but not a string.");
        assertRefused(web("\"processes\": 1.5"), "applications/web/processes: The \"processes\" value must be"
            + " either an integer number or an object, but not a fractional number.");
        assertRefused(web("\"user\": 0"), "applications/web/user: The \"user\" value must be a string,"
            + " but not an integer number.");
        assertRefused("[]", "The configuration must be an object, but not an array.");
        assertRefused("{\"applications\": {\"web\": []}}",
            "applications/web: The \"web\" value must be an object, but not an array.");
    }

    @Test
    public void serialCommaForThreeTypes() {
        DocumentValidator.Kind[] three = {DocumentValidator.Kind.NULL, DocumentValidator.Kind.STRING,
            DocumentValidator.Kind.OBJECT};
        assertEquals("either a null, a string, or an object", DocumentValidator.expected(three));
    }

    @Test
    public void typeAndExecutable() {
        assertRefused("{\"applications\": {\"web\": {\"executable\": \"/bin/true\"}}}",
            "applications/web: Application must have the \"type\" property set.");
        assertRefused("{\"applications\": {\"web\": {\"type\": \"python\"}}}",
            "applications/web/type: The module to run \"python\" is not found among the available application"
                + " modules. Corral runs \"external\" applications.");
        assertRefused("{\"applications\": {\"web\": {\"type\": \"external\"}}}",
            "applications/web: Required parameter \"executable\" is missing.");
        // Unit looks for required members before it meets an unknown one.
        assertRefused("{\"applications\": {\"web\": {\"type\": \"external\", \"bogus\": 1}}}",
            "applications/web: Required parameter \"executable\" is missing.");
        assertRefused(web("\"bogus\": 1"), "applications/web: Unknown parameter \"bogus\".");
    }

    @Test
    public void aCommentedDocumentIsValid() throws Exception {
        Document d = DocumentValidator.validate("// Unit 1.16+ takes comments\n{\"applications\": {/* one */"
            + " \"web\": {\"type\": \"external\", // the type\n \"executable\": \"/bin/sleep\"}}}\n");
        assertEquals("/bin/sleep", d.applications().get("web").executable());
    }

    @Test
    public void stdoutAndStderrArePaths() throws Exception {
        AppConfig a = DocumentValidator.validate(web("\"stdout\": \"out.log\", \"stderr\": \"/var/log/web.err\""))
            .applications().get("web");
        assertEquals("out.log", a.stdout());
        assertEquals("/var/log/web.err", a.stderr());
        AppConfig plain = DocumentValidator.validate(web("")).applications().get("web");
        assertEquals(null, plain.stdout());
        assertEquals(null, plain.stderr());
        assertRefused(web("\"stdout\": 1"),
            "applications/web/stdout: The \"stdout\" value must be a string, but not an integer number.");
        assertRefused(web("\"stderr\": \"\""),
            "applications/web/stderr: The \"stderr\" path must not be empty.");
    }

    @Test
    public void argumentsAndEnvironment() {
        assertRefused(web("\"arguments\": [1]"),
            "applications/web/arguments: The \"arguments\" array must contain only string values.");
        assertRefused(web("\"environment\": {\"\": \"x\"}"),
            "applications/web/environment: The environment name must not be empty.");
        assertRefused(web("\"environment\": {\"A=B\": \"x\"}"),
            "applications/web/environment: The environment name must not contain '=' character. Got \"A=B\".");
        assertRefused(web("\"environment\": {\"A\": 1}"),
            "applications/web/environment: The \"A\" environment value must be a string.");
    }

    @Test
    public void idMapEntries() {
        String cred = "\"isolation\": {\"namespaces\": {\"credential\": true}, \"uidmap\": ";
        assertRefused(web(cred + "[{\"container\": 0, \"host\": 0}]}"),
            "applications/web/isolation/uidmap/0: The uid_map requires the \"size\" field set.");
        assertRefused(web(cred + "[1]}"),
            "applications/web/isolation/uidmap/0: The \"uidmap\" array must contain only object values.");
        assertRefused(web(cred + "[{\"container\": 0, \"host\": -1, \"size\": 1}]}"),
            "applications/web/isolation/uidmap/0/host: The uid_map \"host\" value must be from 0 to 4294967295."
                + " Got -1.");
    }

    @Test
    public void roleAndName() {
        assertRefused(web("\"role\": \"main\""), "applications/web/role: The \"role\" value must be \"router\","
            + " \"worker\", \"controller\" or \"discovery\", but not \"main\".");
        assertRefused("{\"applications\": {\"a/b\": {\"type\": \"external\", \"executable\": \"x\"}}}",
            "applications: The application name \"a/b\" is invalid: a name is 1 to 64 letters, digits, \".\","
                + " \"_\" or \"-\", and does not start with \".\".");
    }

    @Test
    public void largeNumbersAreRefusedNotWrapped() {
        assertRefused(web("\"processes\": 2147483648"),
            "applications/web/processes: The \"processes\" number must not exceed 2147483647. Got 2147483648.");
        assertRefused(web("\"processes\": {\"idle_timeout\": 2147484}"),
            "applications/web/processes/idle_timeout: The \"idle_timeout\" number must not exceed 2147483."
                + " Got 2147484.");
    }

    @Test
    public void onlyProcessesDiffering() throws Exception {
        AppConfig a = DocumentValidator.validate(web("\"processes\": 2")).applications().get("web");
        AppConfig b = DocumentValidator.validate(web("\"processes\": 3")).applications().get("web");
        AppConfig c = DocumentValidator.validate(web("\"processes\": 3, \"user\": \"root\"")).applications().get("web");
        assertTrue(a.sameButProcesses(b));
        assertFalse(b.sameButProcesses(c));
    }
}
