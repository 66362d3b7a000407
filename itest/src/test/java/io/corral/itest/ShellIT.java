package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.util.List;
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
import org.osgi.framework.wiring.FrameworkWiring;

/** The corral Gogo scope in a running Felix. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT {

    @Inject
    private CommandProcessor processor;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    private String run(String line) throws Exception {
        return Gogo.run(processor, line);
    }

    @Test
    public void everyCorralBundleIsActive() {
        int corral = 0;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.corral.")) {
                corral++;
                assertEquals(b.getSymbolicName() + " state", Bundle.ACTIVE, b.getState());
            }
        }
        assertTrue("corral bundles installed: " + corral, corral >= 2);
    }

    @Test
    public void versionListsEveryCorralBundleWithItsVersion() throws Exception {
        String out = run("corral:version");
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.corral.")) {
                assertTrue(out, out.matches("(?s).*" + b.getSymbolicName().replace(".", "\\.") + "\\s+"
                    + b.getVersion().toString().replace(".", "\\.") + "\\s+ACTIVE.*"));
            }
        }
    }

    @Test
    public void versionJsonIsParseable() throws Exception {
        String out = run("corral:version --json");
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(out).getAsJsonObject();
        assertTrue(out, o.getAsJsonArray("bundles").size() >= 2);
        assertTrue(out, o.has("services"));
    }

    @Test
    public void everyCorralCommandHasHelp() throws Exception {
        String out = run("help corral:version");
        assertTrue(out, out.contains("show Corral's bundles"));
        assertTrue(out, out.contains("--json"));
    }

    @Test
    public void bundleCommandsTakeAnIdOrSymbolicNameWithoutTheConsole() throws Exception {
        Bundle bench = java.util.Arrays.stream(context.getBundles())
            .filter(b -> "io.corral.bench".equals(b.getSymbolicName())).findFirst().orElseThrow();
        try {
            run("felix:stop io.corral.bench");
            assertEquals(Bundle.RESOLVED, bench.getState());
            run("felix:start " + bench.getBundleId());
            assertEquals(Bundle.ACTIVE, bench.getState());
            String headers = run("felix:headers " + bench.getBundleId());
            assertTrue(headers, headers.contains("Bundle-SymbolicName = io.corral.bench"));
        } finally {
            bench.start();
        }
    }
    @Test
    public void refreshWithoutAnArgumentRefreshesWhatWasUpdated() throws Exception {
        // Gogo Command's own felix:refresh ended here in a NullPointerException.
        assertEquals("nothing to refresh: no bundle was updated or uninstalled since it was resolved\n",
            run("felix:refresh"));
        // The posix bundle exports the jnr packages the ports bundle imports: its old revision stays in use until a refresh.
        Bundle posix = bundle("io.corral.posix");
        Bundle port = bundle("io.corral.port");
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        posix.update();
        assertTrue(wiring.getRemovalPendingBundles().contains(posix));
        String out = run("felix:refresh");
        assertTrue(out, out.startsWith("refreshed "));
        assertTrue(out, out.contains(posix.getBundleId() + " io.corral.posix"));
        assertTrue(out, out.contains(port.getBundleId() + " io.corral.port"));
        // It returns once the refresh is done.
        assertEquals(List.of(), List.copyOf(wiring.getRemovalPendingBundles()));
        assertEquals(Bundle.ACTIVE, posix.getState());
        assertEquals(Bundle.ACTIVE, port.getState());
        try {
            run("felix:refresh io.corral.nosuch");
            fail("an unknown bundle is refused");
        } catch (IllegalArgumentException e) {
            assertEquals("felix:refresh: no bundle \"io.corral.nosuch\": give a bundle id or symbolic name,"
                + " as felix:lb lists them", e.getMessage());
        }
    }

    private Bundle bundle(String symbolicName) {
        return java.util.Arrays.stream(context.getBundles())
            .filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst().orElseThrow();
    }
}
