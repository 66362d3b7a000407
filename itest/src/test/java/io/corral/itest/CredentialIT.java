package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.CredentialService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/** The credential service as the running Felix has it, and corral:id on top of it, against id(1). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CredentialIT {

    @Inject
    private CredentialService credentials;

    @Inject
    private CommandProcessor processor;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    /** What {@code id ARGS} prints, without the newline. */
    private static String id(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("id"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue("id did not finish", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(command + ": " + out, 0, p.exitValue());
        return out;
    }

    /** This JVM's ids as the kernel shows them (the main thread's Uid, Gid and Groups lines). */
    private static List<String> jvmIds() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Uid:") || l.startsWith("Gid:") || l.startsWith("Groups:")).toList();
    }

    private String run(String line) throws Exception {
        return Sessions.run(processor, line);
    }

    /** The innermost message of the error a command line fails with. */
    private String errorOf(String line) {
        try {
            String out = run(line);
            fail(line + " printed " + out + ", expected an error");
            return null;
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            return t.getMessage();
        }
    }

    @Test
    public void rootAndNobodyAreWhatIdSays() throws Exception {
        List<String> before = jvmIds();
        Credential root = credentials.resolve("root", null);
        Credential nobody = credentials.resolve("nobody", null);
        assertEquals(before, jvmIds());
        assertEquals(id("root"), root.toIdString());
        assertEquals(id("nobody"), nobody.toIdString());
    }

    @Test
    public void anUnknownUserIsNamed() throws Exception {
        List<String> before = jvmIds();
        try {
            Credential c = credentials.resolve("nosuchuser", null);
            fail("nosuchuser resolved to " + c.toIdString());
        } catch (CredentialException e) {
            assertEquals("user \"nosuchuser\" not found", e.getMessage());
        }
        assertEquals(before, jvmIds());
    }

    @Test
    public void currentIsWhatIdSaysOfThisJvm() throws Exception {
        assertEquals(id(), credentials.current().toIdString());
    }

    @Test
    public void theIdCommandPrintsWhatIdPrints() throws Exception {
        assertEquals(id("root") + "\n", run("corral:id root"));
        assertEquals(id("nobody") + "\n", run("corral:id nobody"));
    }

    @Test
    public void theIdCommandPrintsOneJsonObjectForScripts() throws Exception {
        String out = run("corral:id --json root");
        assertEquals("one line: " + out, 1, out.lines().count());
        JsonObject o = JsonParser.parseString(out).getAsJsonObject();
        assertEquals(0, o.get("uid").getAsInt());
        assertEquals("root", o.get("user").getAsString());
        assertEquals(0, o.get("gid").getAsInt());
        assertEquals("root", o.get("group").getAsString());
        assertEquals(id("-G", "root"), o.getAsJsonArray("groups").asList().stream()
            .map(g -> g.getAsJsonObject().get("gid").getAsString()).reduce((a, b) -> a + " " + b).orElse(""));
        assertEquals(credentials.resolve("root", null).home(), o.get("home").getAsString());
    }

    @Test
    public void theIdCommandFailsWithTheOperatorMessage() {
        assertEquals("user \"nosuchuser\" not found", errorOf("corral:id nosuchuser"));
        assertEquals("group \"nosuchgroup\" not found", errorOf("corral:id root nosuchgroup"));
        assertEquals("user \"a:b\" is not valid: a name must not contain ':'", errorOf("corral:id a:b"));
    }

    @Test
    public void theIdCommandHasHelp() throws Exception {
        String out = run("help corral:id");
        assertTrue(out, out.contains("show a user's uid, primary group and groups"));
        assertTrue(out, out.contains("user name or numeric uid"));
        assertTrue(out, out.contains("--json"));
    }

    @Test
    public void withoutTheCredentialBundleTheCommandSaysWhatIsMissing() throws Exception {
        Bundle bundle = null;
        for (Bundle b : context.getBundles()) {
            if ("io.corral.credential".equals(b.getSymbolicName())) {
                bundle = b;
            }
        }
        assertNotNull("io.corral.credential is installed", bundle);
        bundle.stop();
        try {
            assertEquals("no CredentialService is registered: is the io.corral.credential bundle active?",
                errorOf("corral:id root"));
        } finally {
            bundle.start();
        }
        ServiceTracker<CredentialService, CredentialService> tracker =
            new ServiceTracker<>(context, CredentialService.class, null);
        tracker.open();
        try {
            assertNotNull("the service is back", tracker.waitForService(10_000));
        } finally {
            tracker.close();
        }
        assertEquals(id("root") + "\n", run("corral:id root"));
    }
}
