package io.corral.log;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.Test;

public class LogRotationTest {

    @Test
    public void aLogPastTheCapIsRenamedAndOlderOnesShiftUpToTheKeptNumber() throws Exception {
        Path log = Files.createTempDirectory("rotation").resolve("web.log");
        LogRotation rotation = new LogRotation(10, 2);
        assertFalse("no log, nothing to rotate", rotation.rotateIfLarger(log));
        Files.writeString(log, "0123456789");
        assertFalse("at the cap, not past it", rotation.rotateIfLarger(log));
        for (String generation : List.of("first\n", "second\n", "third\n")) {
            Files.writeString(log, generation + "0123456789");
            assertTrue(rotation.rotateIfLarger(log));
        }
        assertFalse(Files.exists(log));
        assertTrue(Files.readString(log.resolveSibling("web.log.1")).startsWith("third"));
        assertTrue(Files.readString(log.resolveSibling("web.log.2")).startsWith("second"));
        assertFalse("only two are kept", Files.exists(log.resolveSibling("web.log.3")));
        assertEquals(List.of(log, log.resolveSibling("web.log.1"), log.resolveSibling("web.log.2")),
            rotation.files(log));
    }

    @Test
    public void aRotatedFileKeepsItsMode() throws Exception {
        Path log = Files.createTempDirectory("rotation").resolve("corral.log");
        Files.writeString(log, "past the cap");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(new LogRotation(1, 1).rotateIfLarger(log));
        assertEquals("rw-r-----", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(LogRotation.rotated(log, 1))));
    }
}
