package io.corral.app.internal;

import io.corral.log.Log;
import io.corral.log.LogFiles;
import io.corral.log.LogRotation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Each application's log, {@code log/NAME.log}: its processes write their
 * output there themselves (every process holds an O_APPEND descriptor), and
 * Corral adds a line for each start, exit and respawn.
 *
 * <p>Rotation ({@link LogRotation}, as for {@code corral.log}) renames
 * {@code NAME.log} to {@code NAME.log.1} (and so on, up to {@code keep}
 * files) once it passes the size cap. Processes started
 * later write to the new {@code NAME.log}; processes already running keep
 * writing to the file they opened, now {@code NAME.log.1}, until they are
 * respawned. So no line is ever lost, but a long-lived process can make a
 * rotated file outgrow the cap. The alternative that enforces the cap
 * exactly (pipes and a JVM thread copying every line) would cost a thread
 * and lose lines when the JVM dies; see docs/applications.md.
 */
final class AppLogs {

    private static final Log LOG = Log.of(AppLogs.class);

    private final Path directory;
    private final LogRotation rotation;

    AppLogs(Path directory, long maxBytes, int keep) {
        this.directory = directory;
        this.rotation = new LogRotation(maxBytes, keep);
    }

    Path file(String app) {
        return directory.resolve(app + ".log");
    }

    /** The log and its rotated files that exist, newest first. */
    List<Path> files(String app) {
        return rotation.files(file(app));
    }

    /** Creates the log owner-and-group-readable (0640) before any process gets a descriptor to it. */
    Path open(String app) throws IOException {
        return LogFiles.create(file(app));
    }

    /** Appends one line of Corral's own, e.g. {@code 2024-05-01T10:00:00Z [corral] pid 42 started}. */
    void note(String app, String line) {
        String text = Instant.now().truncatedTo(ChronoUnit.SECONDS) + " [corral] " + line + "\n";
        try {
            open(app);
            Files.writeString(file(app), text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("writing to " + file(app) + ": " + e);
        }
    }

    /** Rotates the log when it is larger than the cap; returns whether it did. */
    boolean rotateIfLarger(String app) {
        Path f = file(app);
        try {
            return rotation.rotateIfLarger(f);
        } catch (IOException e) {
            LOG.warn("rotating " + f + ": " + e);
            return false;
        }
    }
}
