package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import io.corral.app.internal.config.DocumentValidator;
import java.nio.charset.StandardCharsets;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ConfigFileTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void aFileBeyondTheLimitIsRefusedWithoutBeingReadWhole() throws Exception {
        Path path = tmp.getRoot().toPath().resolve("corral.json");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(50L * 1024 * 1024); // sparse: the test costs no disk
        }
        try {
            new ConfigFile(path).read();
            fail();
        } catch (ConfigurationException e) {
            assertEquals("The configuration must not exceed 4194304 bytes (4 MiB). Got 52428800 bytes.",
                e.getMessage());
        }
    }

    @Test
    public void aMissingFileIsNoDocumentAndIsRefusedWhereOneIsRequired() throws Exception {
        ConfigFile file = new ConfigFile(tmp.getRoot().toPath().resolve("corral.json"));
        assertTrue(file.read().isEmpty());
        try {
            file.readExisting();
            fail();
        } catch (ConfigurationException e) {
            assertEquals("No such file. To remove every application, write the empty document"
                + " {\"applications\": {}}.", e.getMessage());
        }
    }

    @Test
    public void theBytesAreReadAsTheyAre() throws Exception {
        Path path = tmp.getRoot().toPath().resolve("corral.json");
        Files.write(path, new byte[] {'{', (byte) 0xFF, '}'});
        assertEquals(3, new ConfigFile(path).readExisting().length);
    }

    private static final String SECRET = "{\"applications\": {\"db\": {\"type\": \"external\", \"executable\": \"/bin/true\","
        + " \"environment\": {\"DB_PASSWORD\": \"s3cret\"}}}}";

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void aDocumentCorralWritesIsNeverReadableByOtherUsers() throws Exception {
        Path path = tmp.getRoot().toPath().resolve("corral.json");
        ConfigFile file = new ConfigFile(path);
        file.write(DocumentValidator.validate(SECRET));
        assertEquals("a new file is the owner's", "rw-------", mode(path));
        assertTrue(new String(file.readExisting(), StandardCharsets.UTF_8).contains("s3cret"));

        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
        file.write(DocumentValidator.validate(SECRET));
        assertEquals("the group keeps what it had, others lose it", "rw-r-----", mode(path));
    }
}
