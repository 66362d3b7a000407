package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.Test;

public class AppLogsTest {

    @Test
    public void aLogPastTheCapIsRenamedAndOlderOnesShiftUpToTheKeptNumber() throws Exception {
        Path dir = Files.createTempDirectory("applogs");
        AppLogs logs = new AppLogs(dir, 10, 2);
        Path log = logs.open("web");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
        Files.writeString(log, "0123456789");
        assertFalse("at the cap, not past it", logs.rotateIfLarger("web"));
        for (String generation : List.of("first\n", "second\n", "third\n")) {
            Files.writeString(log, generation + "0123456789");
            assertTrue(logs.rotateIfLarger("web"));
        }
        assertFalse(Files.exists(log));
        assertTrue(Files.readString(dir.resolve("web.log.1")).startsWith("third"));
        assertTrue(Files.readString(dir.resolve("web.log.2")).startsWith("second"));
        assertFalse("only two are kept", Files.exists(dir.resolve("web.log.3")));
        assertEquals(List.of(log, dir.resolve("web.log.1"), dir.resolve("web.log.2")), logs.files("web"));
    }

    @Test
    public void corralsOwnLinesAreTimestampedAndMarked() throws Exception {
        Path dir = Files.createTempDirectory("applogs");
        AppLogs logs = new AppLogs(dir, 1 << 20, 5);
        logs.note("web", "pid 42 started");
        String line = Files.readString(dir.resolve("web.log"));
        assertTrue(line, line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\[corral\\] pid 42 started\n"));
    }
}
