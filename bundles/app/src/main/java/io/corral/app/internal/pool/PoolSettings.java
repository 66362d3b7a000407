package io.corral.app.internal.pool;

/**
 * How pools respawn and stop processes.
 *
 * @param backoffInitialMs  the wait before the first respawn; it doubles with each failure in a row
 * @param backoffMaxMs      the longest wait between respawns
 * @param crashLoopFailures failures in a row (each within {@code stableMs} of its start) that make a crash loop
 * @param stableMs          how long a process must run for its pool to count as healthy again
 * @param quitTimeoutMs     after a QUIT message, how long before SIGTERM
 * @param killTimeoutMs     after SIGTERM, how long before SIGKILL
 */
public record PoolSettings(long backoffInitialMs, long backoffMaxMs, int crashLoopFailures, long stableMs,
        long quitTimeoutMs, long killTimeoutMs) {

    /** The wait before the respawn that follows {@code failures} failures in a row (1 or more). */
    public long backoff(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 30);
        return Math.min(backoffMaxMs, backoffInitialMs << doublings);
    }
}
