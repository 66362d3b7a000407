package io.corral.api.app;

import java.util.List;

/**
 * What applying a document changed.
 *
 * @param started   applications that are new
 * @param changed   applications whose configuration changed (their processes were replaced, or only resized
 *                  when nothing but {@code "processes"} changed)
 * @param removed   applications that are gone (their processes were asked to quit)
 * @param unchanged applications left as they were
 */
public record Reloaded(List<String> started, List<String> changed, List<String> removed, List<String> unchanged) {

    public Reloaded {
        started = List.copyOf(started);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        unchanged = List.copyOf(unchanged);
    }

    /** True when the document was the one already running. */
    public boolean nothingChanged() {
        return started.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }
}
