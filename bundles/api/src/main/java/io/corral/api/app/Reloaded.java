package io.corral.api.app;

import java.util.List;
import java.util.Objects;

/** What applying a document changed. */
public final class Reloaded {

    private final List<String> started;
    private final List<String> changed;
    private final List<String> removed;
    private final List<String> unchanged;

    /**
     * @param started   applications that are new
     * @param changed   applications whose configuration changed (their processes were replaced, or only resized
     *                  when nothing but {@code "processes"} changed)
     * @param removed   applications that are gone (their processes were asked to quit)
     * @param unchanged applications left as they were
     */
    public Reloaded(List<String> started, List<String> changed, List<String> removed, List<String> unchanged) {
        this.started = List.copyOf(started);
        this.changed = List.copyOf(changed);
        this.removed = List.copyOf(removed);
        this.unchanged = List.copyOf(unchanged);
    }

    /** A builder; every list defaults to empty. */
    public static Builder builder() {
        return new Builder();
    }

    /** Applications that are new. */
    public List<String> started() {
        return started;
    }

    /** Applications whose configuration changed (replaced, or only resized). */
    public List<String> changed() {
        return changed;
    }

    /** Applications that are gone (their processes were asked to quit). */
    public List<String> removed() {
        return removed;
    }

    /** Applications left as they were. */
    public List<String> unchanged() {
        return unchanged;
    }

    /** True when the document was the one already running. */
    public boolean nothingChanged() {
        return started.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reloaded r && r.started.equals(started) && r.changed.equals(changed)
            && r.removed.equals(removed) && r.unchanged.equals(unchanged);
    }

    @Override
    public int hashCode() {
        return Objects.hash(started, changed, removed, unchanged);
    }

    @Override
    public String toString() {
        return "Reloaded[started=" + started + ", changed=" + changed + ", removed=" + removed + ", unchanged="
            + unchanged + "]";
    }

    /** Builds a {@link Reloaded}; not thread-safe. */
    public static final class Builder {

        private List<String> started = List.of();
        private List<String> changed = List.of();
        private List<String> removed = List.of();
        private List<String> unchanged = List.of();

        private Builder() {
        }

        public Builder started(List<String> started) {
            this.started = started;
            return this;
        }

        public Builder changed(List<String> changed) {
            this.changed = changed;
            return this;
        }

        public Builder removed(List<String> removed) {
            this.removed = removed;
            return this;
        }

        public Builder unchanged(List<String> unchanged) {
            this.unchanged = unchanged;
            return this;
        }

        public Reloaded build() {
            return new Reloaded(started, changed, removed, unchanged);
        }
    }
}
