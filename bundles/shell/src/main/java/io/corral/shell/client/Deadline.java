package io.corral.shell.client;

import java.io.Closeable;
import java.io.IOException;

/**
 * Closes a channel when the instance does not answer in time. A blocked
 * connect or read on a channel has no timeout of its own; closing the channel
 * ends it with an AsynchronousCloseException, and {@link #expired()} tells
 * the caller why. A timeout of 0 never expires.
 */
final class Deadline implements AutoCloseable {

    private final Closeable target;
    private final Thread watchdog;
    private boolean done;
    private boolean expired;

    Deadline(Closeable target, long millis) {
        this.target = target;
        if (millis <= 0) {
            this.watchdog = null;
            return;
        }
        this.watchdog = new Thread(() -> expireAfter(millis), "corral-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void expireAfter(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        synchronized (this) {
            long left;
            while (!done && (left = end - System.nanoTime()) > 0) {
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (done) {
                return;
            }
            expired = true;
        }
        try {
            target.close();
        } catch (IOException e) {
            // Closed either way.
        }
    }

    /** The answer came: the channel stays open. */
    synchronized void cancel() {
        done = true;
        notifyAll();
    }

    synchronized boolean expired() {
        return expired;
    }

    @Override
    public void close() {
        cancel();
    }
}
