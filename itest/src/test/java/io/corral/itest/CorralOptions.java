package io.corral.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.util.Arrays;
import java.util.Comparator;
import org.ops4j.pax.exam.Option;

/** The Pax Exam set-up every test shares: the bundles the distribution ships, minus its console. */
final class CorralOptions {

    private CorralOptions() {
    }

    static File home() {
        return new File(System.getProperty("corral.home", "../distribution/target/corral"));
    }

    static Option distribution(File base) {
        File[] jars = new File(home(), "bundle").listFiles((d, n) -> n.endsWith(".jar")
            // The interactive console would read the test's standard input.
            && !n.startsWith("org.apache.felix.gogo.jline") && !n.startsWith("jline"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("no bundles in " + home() + "/bundle: build the distribution first");
        }
        Arrays.sort(jars, Comparator.comparing(File::getName));
        return composite(
            junitBundles(),
            composite(Arrays.stream(jars).map(CorralOptions::install).toArray(Option[]::new)),
            frameworkProperty("corral.base").value(base.getAbsolutePath()),
            // As the distribution's config.properties: the Log Service (Felix Log, one of the jars above)
            // passes INFO on and keeps the latest entries for log/corral.log's writer.
            frameworkProperty("org.osgi.service.log.admin.loglevel").value("INFO"),
            frameworkProperty("org.apache.felix.log.maxSize").value("1000"),
            systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
    }

    /** A bundle installed and started; jnr's framework extension only installed: an extension never starts. */
    private static Option install(File jar) {
        return jar.getName().startsWith("io.corral.jnr-") ? bundle(jar.toURI().toString()).noStart()
            : bundle(jar.toURI().toString());
    }
}
