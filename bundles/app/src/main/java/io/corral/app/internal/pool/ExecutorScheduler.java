package io.corral.app.internal.pool;

import io.corral.log.Log;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A {@link Scheduler} on one daemon thread; a failing task is reported and does not stop the thread. */
public final class ExecutorScheduler implements Scheduler, AutoCloseable {

    private static final Log LOG = Log.of(ExecutorScheduler.class);

    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    public ExecutorScheduler(String name) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long now() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public Timer schedule(Runnable task, long delayMillis) {
        if (executor.isShutdown()) {
            return () -> { };
        }
        ScheduledFuture<?> f = executor.schedule(() -> guarded(task), Math.max(0, delayMillis),
            TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    /**
     * Runs {@code task} on the scheduler's thread and waits for its result;
     * its exception is rethrown as it was. Called on that thread, it runs at once.
     */
    public <T> T call(Callable<T> task, long timeoutMillis) throws Exception {
        if (Thread.currentThread() == thread) {
            return task.call();
        }
        Future<T> f = executor.submit(task);
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("the application manager did not answer within " + timeoutMillis
                + " ms");
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("the applications' scheduler: a task failed", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
