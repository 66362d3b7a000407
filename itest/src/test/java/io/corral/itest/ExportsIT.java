package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.Test;

/**
 * What the shipped bundles export and import, read from their manifests: only
 * the API (io.corral.api.*) is Corral's to export; its libraries (logging,
 * posix, the spawn server's client, the port protocol) are compiled into the
 * bundles that use them, so that nobody can depend on them and no type of
 * theirs crosses a service boundary. jnr is exported by the system bundle,
 * from the one framework extension that carries it.
 */
public class ExportsIT {

    /** Symbolic name to manifest, for every Corral bundle the distribution installs. */
    private static Map<String, Manifest> corralBundles() throws IOException {
        File[] jars = new File(CorralOptions.home(), "bundle").listFiles((d, n) -> n.endsWith(".jar"));
        assertTrue("no bundles in " + CorralOptions.home() + "/bundle: build the distribution first",
            jars != null && jars.length > 0);
        Map<String, Manifest> bundles = new TreeMap<>();
        for (File jar : jars) {
            try (JarFile f = new JarFile(jar)) {
                String name = f.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                if (name != null && name.startsWith("io.corral.")) {
                    bundles.put(name, f.getManifest());
                }
            }
        }
        return bundles;
    }

    /** The package names of an Export-Package or Import-Package header (clauses split outside quotes). */
    static List<String> packages(String header) {
        List<String> names = new ArrayList<>();
        if (header == null) {
            return names;
        }
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i <= header.length(); i++) {
            char c = i < header.length() ? header.charAt(i) : ',';
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                for (String part : header.substring(start, i).split(";")) {
                    if (!part.contains("=")) {
                        names.add(part.trim());
                    }
                }
                start = i + 1;
            }
        }
        return names;
    }

    @Test
    public void theHeaderParserKeepsUsesListsTogether() {
        assertEquals(List.of("a.b", "c", "d"), packages("a.b;version=\"1.0\";uses:=\"x,y\",c;d;version=2"));
    }

    @Test
    public void onlyTheApiIsExported() throws IOException {
        Map<String, Manifest> bundles = corralBundles();
        assertTrue(bundles.keySet().toString(), bundles.keySet().containsAll(List.of("io.corral.api",
            "io.corral.log", "io.corral.jnr", "io.corral.process", "io.corral.isolation.linux")));
        assertTrue("the C library calls are compiled in, not a bundle", !bundles.containsKey("io.corral.posix"));
        Map<String, List<String>> corralExports = new TreeMap<>();
        bundles.forEach((name, manifest) -> {
            List<String> own = packages(manifest.getMainAttributes().getValue("Export-Package")).stream()
                .filter(p -> p.startsWith("io.corral.") && !p.startsWith("io.corral.api.")).toList();
            if (!own.isEmpty()) {
                corralExports.put(name, own);
            }
        });
        assertEquals(Map.of(), corralExports);
        assertEquals(List.of("io.corral.api.app", "io.corral.api.credential", "io.corral.api.isolation",
            "io.corral.api.port", "io.corral.api.process"),
            packages(bundles.get("io.corral.api").getMainAttributes().getValue("Export-Package")).stream()
                .sorted().toList());
    }

    @Test
    public void noBundleImportsACorralPackageOutsideTheApi() throws IOException {
        Map<String, List<String>> imports = new TreeMap<>();
        corralBundles().forEach((name, manifest) -> {
            List<String> own = packages(manifest.getMainAttributes().getValue("Import-Package")).stream()
                .filter(p -> p.startsWith("io.corral.") && !p.startsWith("io.corral.api.")).toList();
            if (!own.isEmpty()) {
                imports.put(name, own);
            }
        });
        assertEquals(Map.of(), imports);
    }

    private static final List<String> JNR_EXPORTS = List.of("com.kenai.jffi", "jnr.constants",
        "jnr.constants.platform", "jnr.ffi", "jnr.ffi.annotations", "jnr.ffi.byref", "jnr.ffi.mapper",
        "jnr.ffi.provider", "jnr.ffi.provider.converters", "jnr.ffi.provider.jffi", "jnr.ffi.types", "jnr.ffi.util",
        "jnr.posix", "jnr.posix.util");

    /**
     * jnr is loaded once, by the framework: its bundle is a framework
     * extension (nothing refreshes it with the bundles that use it), exports
     * jnr alone and imports nothing; no other bundle carries a jnr class.
     */
    @Test
    public void jnrIsOneFrameworkExtensionAndNoBundleCarriesItsOwn() throws IOException {
        Attributes jnr = corralBundles().get("io.corral.jnr").getMainAttributes();
        assertEquals("system.bundle; extension:=framework", jnr.getValue("Fragment-Host"));
        assertEquals(JNR_EXPORTS, packages(jnr.getValue("Export-Package")).stream().sorted().toList());
        assertEquals(null, jnr.getValue("Import-Package"));
        File[] jars = new File(CorralOptions.home(), "bundle").listFiles((d, n) -> n.endsWith(".jar"));
        List<String> carriers = new ArrayList<>();
        for (File jar : jars) {
            try (JarFile f = new JarFile(jar)) {
                if (f.getEntry("jnr/ffi/Runtime.class") != null || f.getEntry("com/kenai/jffi/Foreign.class") != null) {
                    carriers.add(f.getManifest().getMainAttributes().getValue("Bundle-SymbolicName"));
                }
            }
        }
        assertEquals(List.of("io.corral.jnr"), carriers);
    }

    /**
     * Karaf's feature carries the same jnr as a plain bundle: a feature that
     * installs a framework extension makes Karaf restart its framework.
     */
    @Test
    public void karafsFeatureCarriesJnrAsAPlainBundle() throws IOException {
        File karaf = new File(System.getProperty("karaf.features", "../distribution/target/karaf"));
        String features = java.nio.file.Files.readString(new File(karaf, "features.xml").toPath());
        File[] versions = new File(karaf, "repository/io/corral/io.corral.jnr").listFiles(File::isDirectory);
        assertEquals(1, versions.length);
        String version = versions[0].getName();
        assertTrue(features, features.contains("<bundle>mvn:io.corral/io.corral.jnr/" + version + "/jar/bundle</bundle>"));
        // The plain bundle only: not the extension as well.
        assertEquals(List.of("io.corral.jnr-" + version + "-bundle.jar"),
            Arrays.stream(versions[0].list()).filter(n -> n.endsWith(".jar")).toList());
        try (JarFile jar = new JarFile(new File(versions[0], "io.corral.jnr-" + version + "-bundle.jar"))) {
            Attributes jnr = jar.getManifest().getMainAttributes();
            assertEquals("io.corral.jnr", jnr.getValue("Bundle-SymbolicName"));
            assertEquals(null, jnr.getValue("Fragment-Host"));
            assertEquals(JNR_EXPORTS, packages(jnr.getValue("Export-Package")).stream().sorted().toList());
        }
    }

    /**
     * jnr-ffi generates the class behind a binding interface in a class loader
     * below the interface's bundle: a bundle carrying the posix layer must import
     * what that code calls, which the system bundle exports.
     */
    @Test
    public void everyBundleCarryingThePosixLayerImportsWhatJnrGenerates() throws IOException {
        List<String> generated = List.of("com.kenai.jffi", "jnr.ffi", "jnr.ffi.mapper", "jnr.ffi.provider",
            "jnr.ffi.provider.converters", "jnr.ffi.provider.jffi");
        assertTrue(JNR_EXPORTS.containsAll(generated));
        File[] jars = new File(CorralOptions.home(), "bundle").listFiles((d, n) -> n.startsWith("io.corral."));
        List<String> carriers = new ArrayList<>();
        for (File jar : jars) {
            try (JarFile f = new JarFile(jar)) {
                String name = f.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                if (f.getEntry("io/corral/posix/Posix.class") != null) {
                    carriers.add(name);
                    List<String> imported = packages(f.getManifest().getMainAttributes().getValue("Import-Package"));
                    assertTrue(name + " imports " + imported, imported.containsAll(generated));
                }
            }
        }
        carriers.sort(null);
        assertTrue(carriers.toString(), carriers.containsAll(Arrays.asList("io.corral.credential",
            "io.corral.isolation.fork", "io.corral.isolation.linux", "io.corral.port", "io.corral.process")));
    }

    /**
     * Every bundle carries a copy of io.corral.log, the writer's package with it;
     * only the log bundle may declare its components, else each bundle would run a writer.
     */
    @Test
    public void onlyTheLogBundleDeclaresTheLogWritersComponents() throws IOException {
        File[] jars = new File(CorralOptions.home(), "bundle").listFiles((d, n) -> n.startsWith("io.corral."));
        List<String> declaring = new ArrayList<>();
        for (File jar : jars) {
            try (JarFile f = new JarFile(jar)) {
                if (f.stream().anyMatch(e -> e.getName().startsWith("OSGI-INF/io.corral.log."))) {
                    declaring.add(f.getManifest().getMainAttributes().getValue("Bundle-SymbolicName"));
                }
            }
        }
        assertEquals(List.of("io.corral.log"), declaring);
    }
}
