package io.corral.log.internal;

import org.osgi.service.log.LogLevel;

/**
 * Standard error, where messages go while no Log Service runs (and where
 * the daemon's go to log/stderr.log): records in corral.log's format,
 * repeats held back as there, so that a flood cannot fill that file either.
 * Summaries come with the first message after an interval of 10 s: there is
 * no thread to write them on time.
 */
public final class StandardError {

    private static final long INTERVAL_MILLIS = 10_000;
    private static final RepeatFilter<Message> REPEATS = new RepeatFilter<>(1000);
    private static long intervalStart = System.currentTimeMillis();

    private StandardError() {
    }

    public static synchronized void print(LogLevel level, String bundle, String text, Throwable failure) {
        long now = System.currentTimeMillis();
        if (now - intervalStart >= INTERVAL_MILLIS) {
            for (String summary : Message.summaries(REPEATS.endInterval(), now, (now - intervalStart) / 1000,
                    "io.corral.log")) {
                System.err.print(summary);
            }
            intervalStart = now;
        }
        Message m = new Message(bundle, level, text);
        if (REPEATS.admit(m)) {
            System.err.print(m.record(now, failure));
        }
    }
}
