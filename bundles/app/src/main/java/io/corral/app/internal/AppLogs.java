package io.corral.app.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Each application's log, {@code log/NAME.log}: its processes write their
 * output there themselves (every process holds an O_APPEND descriptor), and
 * Corral adds a line for each start, exit and respawn.
 *
 * <p>Rotation renames {@code NAME.log} to {@code NAME.log.1} (and so on, up
 * to {@code keep} files) once it passes the size cap. Processes started
 * later write to the new {@code NAME.log}; processes already running keep
 * writing to the file they opened, now {@code NAME.log.1}, until they are
 * respawned. So no line is ever lost, but a long-lived process can make a
 * rotated file outgrow the cap. The alternative that enforces the cap
 * exactly (pipes and a JVM thread copying every line) would cost a thread
 * and lose lines when the JVM dies; see docs/applications.md.
 */
final class AppLogs {

    private final Path directory;
    private final long maxBytes;
    private final int keep;

    AppLogs(Path directory, long maxBytes, int keep) {
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.keep = Math.max(1, keep);
    }

    Path file(String app) {
        return directory.resolve(app + ".log");
    }

    /** The log and its rotated files that exist, newest first. */
    List<Path> files(String app) {
        List<Path> files = new ArrayList<>();
        files.add(file(app));
        for (int i = 1; i <= keep; i++) {
            Path p = rotated(app, i);
            if (Files.exists(p)) {
                files.add(p);
            }
        }
        return files;
    }

    /** Creates the log owner-and-group-readable before any process gets a descriptor to it. */
    Path open(String app) throws IOException {
        Files.createDirectories(directory);
        Path f = file(app);
        try {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        } catch (FileAlreadyExistsException e) {
            // Appending to what is there.
        }
        return f;
    }

    /** Appends one line of Corral's own, e.g. {@code 2024-05-01T10:00:00Z [corral] pid 42 started}. */
    void note(String app, String line) {
        String text = Instant.now().truncatedTo(ChronoUnit.SECONDS) + " [corral] " + line + "\n";
        try {
            open(app);
            Files.writeString(file(app), text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("corral: writing to " + file(app) + ": " + e);
        }
    }

    /** Rotates the log when it is larger than the cap; returns whether it did. */
    boolean rotateIfLarger(String app) {
        Path f = file(app);
        try {
            if (!Files.exists(f) || Files.size(f) <= maxBytes) {
                return false;
            }
            Files.deleteIfExists(rotated(app, keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(rotated(app, i))) {
                    Files.move(rotated(app, i), rotated(app, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(f, rotated(app, 1), StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            System.err.println("corral: rotating " + f + ": " + e);
            return false;
        }
    }

    private Path rotated(String app, int n) {
        return directory.resolve(app + ".log." + n);
    }
}
