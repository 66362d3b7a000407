package io.corral.log.internal;

import io.corral.log.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps {@code BASE/run} owner-only (0700) whatever the umask: it holds the
 * framework's storage, where ConfigAdmin keeps each application's
 * configuration, environment included, in files the framework creates with
 * the umask's modes. With their parent closed nothing below is reachable
 * by another user. {@code bin/corral} makes it so before the JVM starts; this
 * covers a framework started otherwise.
 */
@Component(immediate = true)
public final class RunDirectory {

    static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rwx------");
    private static final Log LOG = Log.of(RunDirectory.class);

    @Activate
    public RunDirectory(BundleContext context) {
        String base = context.getProperty("corral.base");
        if (base != null) {
            close(Path.of(base, "run"));
        }
    }

    static void close(Path run) {
        try {
            if (!Files.isDirectory(run)) {
                Files.createDirectories(run.getParent());
                Files.createDirectory(run, PosixFilePermissions.asFileAttribute(MODE));
            } else if (!MODE.containsAll(Files.getPosixFilePermissions(run))) {
                Files.setPosixFilePermissions(run, MODE);
                LOG.info("made " + run + " owner-only (0700)");
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.error("making " + run + " owner-only: " + e.getMessage()
                + "; other users may read what the framework stores there");
        }
    }
}
