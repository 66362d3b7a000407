package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;

/** One process of a pool, with what the pool tracks about it. Touched only on the scheduler's thread. */
final class Member {

    final ManagedProcess process;
    final long started;
    /** Asked to quit: its exit is expected and not replaced. */
    boolean quitting;
    /** Busy with work, as the port layer reports; nothing reports it before ports exist. */
    boolean busy;
    long idleSince;
    Scheduler.Timer idleTimer;
    Scheduler.Timer stableTimer;

    Member(ManagedProcess process, long started) {
        this.process = process;
        this.started = started;
        this.idleSince = started;
    }

    int pid() {
        return process.pid();
    }

    void cancelTimers() {
        for (Scheduler.Timer t : new Scheduler.Timer[] {idleTimer, stableTimer}) {
            if (t != null) {
                t.cancel();
            }
        }
        idleTimer = null;
        stableTimer = null;
    }
}
