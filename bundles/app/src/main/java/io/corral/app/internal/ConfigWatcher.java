package io.corral.app.internal;

import io.corral.log.Log;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * Watches the configuration file's directory (one thread) and reports every
 * change to the file, written in place, renamed over it (as editors do), or
 * removed.
 * The receiver debounces: one save can be several events.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Log LOG = Log.of(ConfigWatcher.class);

    private final WatchService service;
    private final Thread thread;

    ConfigWatcher(Path file, Runnable changed) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path name = file.getFileName();
        service = dir.getFileSystem().newWatchService();
        // Deletions too: the receiver says that a missing file changes nothing.
        dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
        thread = new Thread(() -> watch(name, changed), "corral-apps-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(Path name, Runnable changed) {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> e : key.pollEvents()) {
                    ours |= e.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(e.context());
                }
                if (ours) {
                    changed.run();
                }
                if (!key.reset()) {
                    LOG.warn("the configuration directory is gone; no longer watching it"
                        + " (corral:reload still works)");
                    return;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // Closed: the manager is stopping.
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // Nothing to do: the thread ends either way.
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
