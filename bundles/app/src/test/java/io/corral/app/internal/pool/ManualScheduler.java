package io.corral.app.internal.pool;

import java.util.PriorityQueue;

/** A scheduler whose clock moves only when a test says so; tasks run on the test's thread. */
final class ManualScheduler implements Scheduler {

    private record Task(long at, long seq, Runnable run, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at
        ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000;
    private long seq;

    @Override
    public long now() {
        return now;
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public Timer schedule(Runnable task, long delayMillis) {
        boolean[] cancelled = {false};
        queue.add(new Task(now + Math.max(0, delayMillis), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Runs every task due within {@code millis}, moving the clock to each task's time. */
    void advance(long millis) {
        long end = now + millis;
        while (!queue.isEmpty() && queue.peek().at <= end) {
            Task t = queue.poll();
            now = Math.max(now, t.at);
            if (!t.cancelled[0]) {
                t.run.run();
            }
        }
        now = end;
    }

    void runDue() {
        advance(0);
    }
}
