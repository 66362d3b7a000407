package io.corral.log.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lets a message through once per interval and counts its repeats, so that
 * a flood costs a line and a count rather than a line each. A message goes
 * through when it is new; its repeats are counted, and each interval's count
 * is handed back at its end (one summary line). A message is forgotten once
 * a whole interval passed without it. At most
 * {@code maxDistinct} messages are followed at once; others are only counted
 * together, which bounds the log also when every message differs.
 * Not thread-safe: the writer holds its lock.
 *
 * @param <K> what makes two messages the same
 */
final class RepeatFilter<K> {

    /** What one interval held back. */
    record Held<K>(Map<K, Long> repeats, long others) {
    }

    /** A followed message: its repeats in this interval, and whether it went through in this one. */
    private static final class Followed {
        long repeats;
        boolean written = true;
    }

    private final int maxDistinct;
    /** The messages seen in this interval or the one before. */
    private final Map<K, Followed> seen = new LinkedHashMap<>();
    private long others;

    RepeatFilter(int maxDistinct) {
        this.maxDistinct = Math.max(1, maxDistinct);
    }

    /** True when the message is to be written now; false when it is counted instead. */
    boolean admit(K key) {
        Followed f = seen.get(key);
        if (f != null) {
            f.repeats++;
            return false;
        }
        if (seen.size() >= maxDistinct) {
            others++;
            return false;
        }
        seen.put(key, new Followed());
        return true;
    }

    /** Ends an interval: what was held back in it, in the order the messages were first seen. */
    Held<K> endInterval() {
        Map<K, Long> repeats = new LinkedHashMap<>();
        for (Iterator<Map.Entry<K, Followed>> it = seen.entrySet().iterator(); it.hasNext();) {
            Map.Entry<K, Followed> e = it.next();
            Followed f = e.getValue();
            if (f.repeats > 0) {
                repeats.put(e.getKey(), f.repeats);
            } else if (!f.written) {
                it.remove(); // quiet for a whole interval: its next occurrence is written again
            }
            f.repeats = 0;
            f.written = false;
        }
        Held<K> held = new Held<>(repeats.isEmpty() ? Map.of() : repeats, others);
        others = 0;
        return held;
    }
}
