package io.corral.shell.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many control sessions run, against the most that may: each costs a
 * thread and a descriptor, so their number is bounded. The bound may change
 * while sessions run; those beyond a lowered bound run on, and new ones wait
 * until the count is below it.
 */
final class SessionSlots {

    private final AtomicInteger taken = new AtomicInteger();
    private volatile int max;

    SessionSlots(int max) {
        this.max = max;
    }

    /** Takes a slot if one is free. */
    boolean tryTake() {
        while (true) {
            int n = taken.get();
            if (n >= max) {
                return false;
            }
            if (taken.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #tryTake()}. */
    void give() {
        taken.decrementAndGet();
    }

    int taken() {
        return taken.get();
    }

    int max() {
        return max;
    }

    void max(int max) {
        this.max = max;
    }
}
