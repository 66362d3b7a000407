package io.corral.process.internal;

import io.corral.log.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Bounds {@code log/processes}, which gets a file per spawn: past
 * {@code kept} files the oldest are removed, but never the log of a process
 * that still runs (what it writes would go nowhere). Files of earlier runs
 * count too, the oldest first by modification time.
 */
final class ProcessLogRetention {

    private static final Log LOG = Log.of(ProcessLogRetention.class);

    private volatile int kept;
    /** The logs of the processes that run; asked only when there are too many files. */
    private final Supplier<Set<Path>> running;
    /** Oldest first. */
    private final ArrayDeque<Path> files = new ArrayDeque<>();

    ProcessLogRetention(Path directory, int kept, Supplier<Set<Path>> running) {
        this.kept = Math.max(1, kept);
        this.running = running;
        try (Stream<Path> existing = Files.list(directory)) {
            existing.filter(p -> p.getFileName().toString().endsWith(".log"))
                .sorted(Comparator.comparing(ProcessLogRetention::modified))
                .forEach(files::addLast);
        } catch (NoSuchFileException e) {
            // Nothing spawned yet.
        } catch (IOException e) {
            LOG.warn("listing " + directory + ": " + e.getMessage() + "; its files from before are kept");
        }
        prune();
    }

    /** A configuration change: takes effect at once. */
    synchronized void kept(int kept) {
        this.kept = Math.max(1, kept);
        prune();
    }

    /** A new process's log: the newest; the oldest go if there are too many now. */
    synchronized void add(Path log) {
        files.addLast(log);
        prune();
    }

    private synchronized void prune() {
        int excess = files.size() - kept;
        if (excess <= 0) {
            return;
        }
        Set<Path> inUse = running.get();
        for (Iterator<Path> it = files.iterator(); excess > 0 && it.hasNext();) {
            Path log = it.next();
            if (inUse.contains(log)) {
                continue;
            }
            it.remove();
            excess--;
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                LOG.warn("removing the old process log " + log + ": " + e.getMessage());
            }
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
