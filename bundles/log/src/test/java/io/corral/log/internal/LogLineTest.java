package io.corral.log.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import org.junit.Test;
import org.osgi.service.log.LogLevel;

public class LogLineTest {

    private static final long T = Instant.parse("2024-05-01T10:00:00.120Z").toEpochMilli();

    @Test
    public void aRecordHasTheTimeInMillisecondsTheLevelAndTheBundle() {
        assertEquals("2024-05-01T10:00:00.120Z WARN  [io.corral.port] the port of worker 42 is full\n",
            LogLine.format(T, LogLevel.WARN, "io.corral.port", "the port of worker 42 is full", null));
        assertEquals("2024-05-01T10:00:00.120Z ERROR [b] x\n", LogLine.format(T, LogLevel.ERROR, "b", "x", null));
        assertEquals("2024-05-01T10:00:00.120Z INFO  [b] x\n", LogLine.format(T, LogLevel.INFO, "b", "x", null));
    }

    @Test
    public void furtherLinesStartWithATabSoThatNoMessageCanForgeARecord() {
        String forged = "innocent\n2024-05-01T10:00:00.000Z ERROR [io.corral.app] forged\r\nend";
        assertEquals("2024-05-01T10:00:00.120Z WARN  [b] innocent\n\t2024-05-01T10:00:00.000Z ERROR [io.corral.app]"
            + " forged\n\tend\n", LogLine.format(T, LogLevel.WARN, "b", forged, null));
    }

    @Test
    public void aFailureAddsItsStackTraceIndented() {
        String record = LogLine.format(T, LogLevel.ERROR, "b", "handling a frame", new IllegalStateException("bad"));
        String[] lines = record.split("\n");
        assertEquals("2024-05-01T10:00:00.120Z ERROR [b] handling a frame", lines[0]);
        assertEquals("\tjava.lang.IllegalStateException: bad", lines[1]);
        assertTrue(lines[2], lines[2].startsWith("\t\tat io.corral.log.internal.LogLineTest."));
        for (int i = 1; i < lines.length; i++) {
            assertTrue(lines[i], lines[i].startsWith("\t"));
        }
    }
}
