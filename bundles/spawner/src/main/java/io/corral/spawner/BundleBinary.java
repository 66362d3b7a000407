package io.corral.spawner;

import io.corral.api.isolation.IsolationException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.osgi.framework.BundleContext;

/** A native program a bundle carries, made runnable in the bundle's data area. */
public final class BundleBinary {

    private BundleBinary() {
    }

    /**
     * Copies the bundle entry to the bundle's data area, owner-only
     * (rwx------): nobody else may run, read or replace a program that sets
     * up children. The copy is atomic, so a running copy is never overwritten.
     */
    public static Path install(BundleContext context, String entry) throws IsolationException {
        URL url = context.getBundle().getEntry(entry);
        if (url == null) {
            throw new IsolationException("installing " + entry, "bundle "
                + context.getBundle().getSymbolicName() + " carries no " + entry);
        }
        Path target = context.getDataFile(entry).toPath();
        try (InputStream in = url.openStream()) {
            Path tmp = Files.createTempFile(target.getParent(), entry, ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new IsolationException("installing " + entry, "installing " + target + ": " + e);
        }
    }
}
