package io.corral.app.internal.pool;

/**
 * The one thread every pool runs on: tasks and timers, in order. Pools are
 * confined to it, so they need no locks; tests drive a manual one.
 */
public interface Scheduler {

    /** A pending timer. */
    interface Timer {
        void cancel();
    }

    /** Milliseconds on a monotonic clock. */
    long now();

    void execute(Runnable task);

    Timer schedule(Runnable task, long delayMillis);
}
