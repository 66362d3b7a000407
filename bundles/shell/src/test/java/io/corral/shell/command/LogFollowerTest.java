package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class LogFollowerTest {

    @Rule
    public TemporaryFolder dir = new TemporaryFolder();

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void waitFor(String text) throws Exception {
        long end = System.currentTimeMillis() + 5_000;
        while (!output().contains(text)) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("no \"" + text + "\" in: " + output());
            }
            Thread.sleep(10);
        }
    }

    @Test
    public void copiesWhatIsAppendedFromThePositionThroughARotationUntilInterrupted() throws Exception {
        Path log = dir.getRoot().toPath().resolve("app.log");
        append(log, "old line\n");
        long position = Files.size(log);
        Thread follower = new Thread(() -> {
            try {
                new LogFollower(log, out, () -> false).follow(position);
            } catch (Exception e) {
                out.println("failed: " + e);
            }
        });
        follower.start();
        append(log, "new line\n");
        waitFor("new line\n");
        // Rotated as AppLogs does: renamed away, then a fresh file.
        Files.move(log, log.resolveSibling("app.log.1"));
        append(log.resolveSibling("app.log.1"), "last of the old file\n");
        append(log, "first of the new file\n");
        waitFor("first of the new file\n");
        follower.interrupt();
        follower.join(2_000);
        assertFalse("interrupting ends it", follower.isAlive());
        assertEquals("new line\nlast of the old file\nfirst of the new file\n", output());
    }

    @Test
    public void endsOnceTheWriterHasEndedAndEverythingIsCopied() throws Exception {
        Path log = dir.getRoot().toPath().resolve("p.log");
        append(log, "a\nb\n");
        AtomicBoolean ended = new AtomicBoolean(true);
        new LogFollower(log, out, ended::get).follow(2);
        assertEquals("b\n", output());
        assertTrue(ended.get());
    }
}
