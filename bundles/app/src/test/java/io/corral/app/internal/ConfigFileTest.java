package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
