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

    /** Active, but jnr's framework extension, which never starts: resolved is all it gets. */
    private static int expectedState(Bundle b) {
        return b.getHeaders().get("Fragment-Host") != null ? Bundle.RESOLVED : Bundle.ACTIVE;
    }

    @Test
    public void everyCorralBundleIsActive() {
        int corral = 0;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.corral.")) {
                corral++;
                assertEquals(b.getSymbolicName() + " state", expectedState(b), b.getState());
            }
        }
        assertTrue("corral bundles installed: " + corral, corral >= 2);
        assertEquals("io.corral.jnr state", Bundle.RESOLVED, bundle("io.corral.jnr").getState());
    }

    @Test
    public void versionListsEveryCorralBundleWithItsVersion() throws Exception {
        String out = run("corral:version");
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.corral.")) {
                assertTrue(out, out.matches("(?s).*" + b.getSymbolicName().replace(".", "\\.") + "\\s+"
                    + b.getVersion().toString().replace(".", "\\.") + "\\s+"
                    + (expectedState(b) == Bundle.ACTIVE ? "ACTIVE" : "RESOLVED") + ".*"));
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
        // An exporter and its importer: the exporter's old revision stays in use until a refresh.
        Bundle exporter = manifestOnly("io.corral.itest.exporter", "Export-Package", "io.corral.itest.shared");
        Bundle importer = manifestOnly("io.corral.itest.importer", "Import-Package", "io.corral.itest.shared");
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        try {
            importer.start();
            exporter.update(jar("io.corral.itest.exporter", "Export-Package", "io.corral.itest.shared"));
            assertTrue(wiring.getRemovalPendingBundles().contains(exporter));
            String out = run("felix:refresh");
            assertTrue(out, out.startsWith("refreshed "));
            assertTrue(out, out.contains(exporter.getBundleId() + " io.corral.itest.exporter"));
            assertTrue(out, out.contains(importer.getBundleId() + " io.corral.itest.importer"));
            // It returns once the refresh is done.
            assertEquals(List.of(), List.copyOf(wiring.getRemovalPendingBundles()));
            assertEquals(Bundle.ACTIVE, importer.getState());
        } finally {
            importer.uninstall();
            exporter.uninstall();
            wiring.refreshBundles(null);
        }
        Bundle jnr = bundle("io.corral.jnr");
        try {
            run("felix:refresh io.corral.jnr");
            fail("a refresh of the framework was taken");
        } catch (IllegalArgumentException e) {
            assertEquals("felix:refresh: " + jnr.getBundleId() + " io.corral.jnr: a refresh of the framework or of an"
                + " extension of it (jnr is one) restarts the framework, stopping every bundle; restart Corral instead",
                e.getMessage());
        }
        assertEquals(Bundle.RESOLVED, jnr.getState());
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

    /** A bundle of a manifest alone, with one more header. */
    private Bundle manifestOnly(String name, String header, String value) throws Exception {
        return context.installBundle("test:" + name, jar(name, header, value));
    }

    private static java.io.InputStream jar(String name, String header, String value) throws java.io.IOException {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        java.util.jar.Attributes a = m.getMainAttributes();
        a.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", name);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue(header, value);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(bytes, m)) {
            // the manifest is all
        }
        return new java.io.ByteArrayInputStream(bytes.toByteArray());
    }
}
