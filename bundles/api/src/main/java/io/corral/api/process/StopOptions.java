package io.corral.api.process;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ManagedProcess#stop(StopOptions)} escalates. Immutable; build
 * one with {@link #builder()} or {@link #of}. A final class rather than a
 * record, so that another option is a minor version.
 *
 * @since 1.3
 */
public final class StopOptions {

    /** Five seconds each, as NGINX Unit and Corral's applications wait by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Duration quitTimeout;
    private final Duration killTimeout;
    private final StopListener listener;

    private StopOptions(Builder b) {
        this.quitTimeout = checked("quit timeout", b.quitTimeout);
        this.killTimeout = checked("kill timeout", b.killTimeout);
        this.listener = b.listener;
    }

    private static Duration checked(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " " + d + ": must not be negative");
        }
        return d;
    }

    /** These timeouts, no listener. */
    public static StopOptions of(Duration quitTimeout, Duration killTimeout) {
        return builder().quitTimeout(quitTimeout).killTimeout(killTimeout).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** After a QUIT message, how long before SIGTERM. */
    public Duration quitTimeout() {
        return quitTimeout;
    }

    /** After SIGTERM, how long before SIGKILL. */
    public Duration killTimeout() {
        return killTimeout;
    }

    /** Told of each escalation; null when nobody listens. */
    public StopListener listener() {
        return listener;
    }

    @Override
    public String toString() {
        return "quit timeout " + quitTimeout + ", kill timeout " + killTimeout;
    }

    /** A mutable builder; defaults: {@link #DEFAULT_TIMEOUT} for both timeouts, no listener. */
    public static final class Builder {
        private Duration quitTimeout = DEFAULT_TIMEOUT;
        private Duration killTimeout = DEFAULT_TIMEOUT;
        private StopListener listener;

        private Builder() {
        }

        public Builder quitTimeout(Duration v) { this.quitTimeout = v; return this; }
        public Builder killTimeout(Duration v) { this.killTimeout = v; return this; }
        public Builder listener(StopListener v) { this.listener = v; return this; }

        /** @throws IllegalArgumentException naming the timeout that is negative */
        public StopOptions build() {
            return new StopOptions(this);
        }
    }
}
