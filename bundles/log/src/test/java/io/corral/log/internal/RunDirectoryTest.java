package io.corral.log.internal;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Test;

public class RunDirectoryTest {

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void aNewRunDirectoryIsOwnerOnly() throws Exception {
        Path run = Files.createTempDirectory("base").resolve("run");
        RunDirectory.close(run);
        assertEquals("rwx------", mode(run));
    }

    @Test
    public void anOpenRunDirectoryIsClosed() throws Exception {
        Path run = Files.createDirectory(Files.createTempDirectory("base").resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = Files.writeString(run.resolve("secret.config"), "DB_PASSWORD=x");
        RunDirectory.close(run);
        assertEquals("rwx------", mode(run));
        assertEquals("what is inside stays as it is", "DB_PASSWORD=x", Files.readString(config));
    }
}
