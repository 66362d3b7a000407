package io.corral.app.internal.config;

/**
 * Unit's {@code "processes"}: an integer N is {@code spare = max = N} (that
 * many, always); the object form starts {@code spare} at once, lets a router
 * ask for more up to {@code max}, and quits idle ones beyond {@code spare}
 * after {@code idle_timeout} seconds.
 */
public record Processes(int spare, int max, int idleTimeoutSeconds, boolean fixed) {

    /** Unit's defaults for the object form. */
    static final int DEFAULT_SPARE = 0;
    static final int DEFAULT_MAX = 1;
    static final int DEFAULT_IDLE_TIMEOUT = 15;

    public static Processes fixed(int n) {
        return new Processes(n, n, DEFAULT_IDLE_TIMEOUT, true);
    }

    /** How many run right after the application starts. */
    public int initial() {
        return spare;
    }

    @Override
    public String toString() {
        return fixed ? Integer.toString(max)
            : "{spare " + spare + ", max " + max + ", idle_timeout " + idleTimeoutSeconds + "}";
    }
}
