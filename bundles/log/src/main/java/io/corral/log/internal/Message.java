package io.corral.log.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.service.log.LogLevel;

/** What makes two log entries the same message, for holding back repeats. */
record Message(String bundle, LogLevel level, String text) {

    String record(long time, Throwable failure) {
        return LogLine.format(time, level, bundle, text, failure);
    }

    /**
     * The records that sum up what an interval of {@code seconds} held back:
     * each repeated message with its count, then the number of those not
     * followed at all (too many different ones), reported by {@code reporter}.
     */
    static List<String> summaries(RepeatFilter.Held<Message> held, long now, long seconds, String reporter) {
        List<String> records = new ArrayList<>();
        for (Map.Entry<Message, Long> e : held.repeats().entrySet()) {
            Message m = e.getKey();
            long n = e.getValue();
            records.add(LogLine.format(now, m.level(), m.bundle(), m.text() + " (repeated " + n
                + (n == 1 ? " time" : " times") + " in the last " + seconds + " s)", null));
        }
        if (held.others() > 0) {
            records.add(LogLine.format(now, LogLevel.WARN, reporter, held.others() + " messages not written in the"
                + " last " + seconds + " s: too many different ones at once (max.distinct.messages of "
                + CorralLogWriter.PID + ")", null));
        }
        return records;
    }
}
