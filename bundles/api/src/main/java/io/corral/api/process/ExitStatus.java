package io.corral.api.process;

import java.util.Objects;

/**
 * How a process ended. Immutable; made by {@link #exited}, {@link #killed},
 * {@link #unknown} or {@link #builder()}. A final class rather than a
 * record, so that another attribute is a minor version.
 */
public final class ExitStatus {

    private final int code;
    private final int signal;
    private final boolean known;
    private final boolean oomKilled;
    private final boolean timedOut;

    private ExitStatus(Builder b) {
        this.code = b.code;
        this.signal = b.signal;
        this.known = b.known;
        this.oomKilled = b.oomKilled;
        this.timedOut = b.timedOut;
    }

    public static ExitStatus exited(int code) {
        return builder().code(code).build();
    }

    public static ExitStatus killed(int signal) {
        return builder().signal(signal).build();
    }

    public static ExitStatus unknown() {
        return builder().known(false).build();
    }

    /** A builder; defaults: exit code -1, no signal, known, not OOM-killed, not timed out. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this status. */
    public Builder toBuilder() {
        return builder().code(code).signal(signal).known(known).oomKilled(oomKilled).timedOut(timedOut);
    }

    /** The exit code when the process exited normally, else -1. */
    public int code() {
        return code;
    }

    /** The signal that killed it, else 0. */
    public int signal() {
        return signal;
    }

    /**
     * False when the status could not be learned (the process was no longer
     * Corral's child when it ended and the kernel could not tell); code and
     * signal are then meaningless.
     */
    public boolean known() {
        return known;
    }

    /** The kernel's OOM killer killed a process of its cgroup (its memory limit was reached). */
    public boolean oomKilled() {
        return oomKilled;
    }

    /**
     * Its lifetime ({@link SpawnSpec#lifetime()}) ran out, and the factory
     * killed it for that.
     *
     * @since 3.0
     */
    public boolean timedOut() {
        return timedOut;
    }

    /** A shell's view: the exit code, or 128 + signal for a process killed by a signal. */
    public int value() {
        return signal != 0 ? 128 + signal : code;
    }

    public boolean success() {
        return known && signal == 0 && code == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExitStatus s && s.code == code && s.signal == signal && s.known == known
            && s.oomKilled == oomKilled && s.timedOut == timedOut;
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, signal, known, oomKilled, timedOut);
    }

    @Override
    public String toString() {
        if (!known) {
            return timedOut ? "unknown, lifetime ran out" : "unknown";
        }
        String s = signal != 0 ? "killed by signal " + signal + " (" + value() + ")" : "exit " + code;
        if (oomKilled) {
            s += ", out of memory (the OOM killer ended a process of its cgroup)";
        }
        return timedOut ? s + ", lifetime ran out" : s;
    }

    /** A mutable builder. */
    public static final class Builder {
        private int code = -1;
        private int signal;
        private boolean known = true;
        private boolean oomKilled;
        private boolean timedOut;

        private Builder() {
        }

        public Builder code(int v) { this.code = v; return this; }
        public Builder signal(int v) { this.signal = v; return this; }
        public Builder known(boolean v) { this.known = v; return this; }
        public Builder oomKilled(boolean v) { this.oomKilled = v; return this; }
        public Builder timedOut(boolean v) { this.timedOut = v; return this; }

        public ExitStatus build() {
            return new ExitStatus(this);
        }
    }
}
