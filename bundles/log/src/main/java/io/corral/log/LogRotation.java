package io.corral.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Size-based rotation of a log file: once {@code NAME.log} is larger than
 * the cap it is renamed to {@code NAME.log.1}, {@code .1} to {@code .2} and so
 * on, and the oldest beyond {@code keep} is removed. Renaming keeps a file's
 * mode, and a writer that still holds the old file goes on writing to it, so
 * no line is lost; whoever writes the log opens a new one afterwards.
 */
public final class LogRotation {

    private final long maxBytes;
    private final int keep;

    /**
     * @param maxBytes size past which a log is rotated
     * @param keep     rotated files kept (at least one)
     */
    public LogRotation(long maxBytes, int keep) {
        this.maxBytes = maxBytes;
        this.keep = Math.max(1, keep);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Rotates {@code log} when it is larger than the cap; returns whether it did. */
    public boolean rotateIfLarger(Path log) throws IOException {
        if (!Files.exists(log) || Files.size(log) <= maxBytes) {
            return false;
        }
        Files.deleteIfExists(rotated(log, keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(rotated(log, i))) {
                Files.move(rotated(log, i), rotated(log, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(log, rotated(log, 1), StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /** The log and its rotated files that exist, newest first (the log itself even when it does not exist). */
    public List<Path> files(Path log) {
        List<Path> files = new ArrayList<>();
        files.add(log);
        for (int i = 1; i <= keep; i++) {
            Path p = rotated(log, i);
            if (Files.exists(p)) {
                files.add(p);
            }
        }
        return files;
    }

    /** {@code NAME.log.N}. */
    public static Path rotated(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }
}
