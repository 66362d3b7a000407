package io.corral.log.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.corral.log.LogRotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Test;

public class LogFileTest {

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void theLogAndItsDirectoryAreMadeForOwnerAndGroupOnly() throws Exception {
        Path log = Files.createTempDirectory("logfile").resolve("log").resolve("corral.log");
        try (LogFile file = new LogFile(log, new LogRotation(1 << 20, 5))) {
            file.append("one\n");
        }
        assertEquals("rw-r-----", mode(log));
        assertEquals("rwxr-x---", mode(log.getParent()));
        assertEquals("one\n", Files.readString(log));
    }

    @Test
    public void aLogThatOthersCouldReadIsClosedToThem() throws Exception {
        Path log = Files.createTempDirectory("logfile").resolve("corral.log");
        Files.writeString(log, "from an older version\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
        try (LogFile file = new LogFile(log, new LogRotation(1 << 20, 5))) {
            file.append("two\n");
        }
        assertEquals("rw-r-----", mode(log));
        assertEquals("from an older version\ntwo\n", Files.readString(log));
    }

    @Test
    public void theRecordThatPassesTheCapIsTheLastOfItsFile() throws Exception {
        Path log = Files.createTempDirectory("logfile").resolve("corral.log");
        try (LogFile file = new LogFile(log, new LogRotation(10, 2))) {
            file.append("12345\n");
            file.append("67890\n");
            assertTrue(Files.exists(LogRotation.rotated(log, 1)));
            file.append("next\n");
        }
        assertEquals("12345\n67890\n", Files.readString(LogRotation.rotated(log, 1)));
        assertEquals("next\n", Files.readString(log));
        assertEquals("rw-r-----", mode(log));
        assertEquals("rw-r-----", mode(LogRotation.rotated(log, 1)));
    }
}
