package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.corral.app.internal.config.DocumentValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Test;

public class ConfigFileTest {

    private static final String SECRET = "{\"applications\": {\"db\": {\"type\": \"external\", \"executable\": \"/bin/true\","
        + " \"environment\": {\"DB_PASSWORD\": \"s3cret\"}}}}";

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void aDocumentCorralWritesIsNeverReadableByOtherUsers() throws Exception {
        Path path = Files.createTempDirectory("etc").resolve("corral.json");
        ConfigFile file = new ConfigFile(path);
        file.write(DocumentValidator.validate(SECRET));
        assertEquals("a new file is the owner's", "rw-------", mode(path));
        assertTrue(file.read().contains("s3cret"));

        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
        file.write(DocumentValidator.validate(SECRET));
        assertEquals("the group keeps what it had, others lose it", "rw-r-----", mode(path));
    }
}
