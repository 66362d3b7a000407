package io.corral.process.internal;

import io.corral.api.process.Participation;
import io.corral.api.process.StopListener;
import io.corral.api.process.StopOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntPredicate;

/**
 * One stop of one process, in NGINX Unit's order: QUIT through the first
 * participation that can send it, else SIGTERM at once; then SIGTERM after
 * the quit timeout (when QUIT was a message) and SIGKILL after the kill
 * timeout. The waits are timers on the factory's one timer thread; the
 * process's exit cancels the one pending.
 *
 * <p>Each step runs under this object's monitor, which the exit must take
 * too (see {@link #exited}) before the process's exit stage completes: so a
 * listener hears of a signal before anyone hears of the exit it caused, and
 * an application's log says "SIGKILL" before "killed by signal 9".
 */
final class Escalation {

    static final int SIGTERM = 15;
    static final int SIGKILL = 9;

    /** Runs a task after a delay on the timer thread; the returned action cancels it. */
    interface Timers {
        Runnable schedule(Runnable task, Duration delay);
    }

    private final String who;
    private final List<Participation> participations;
    private final IntPredicate signal;
    private final Timers timers;
    private final Duration quitTimeout;
    private final Duration killTimeout;
    private final List<StopListener> listeners = new CopyOnWriteArrayList<>();
    /** Cancels the next step (guarded by this). */
    private Runnable pending;
    /** The exit was seen: no step follows (guarded by this). */
    private boolean over;

    /**
     * @param who            the process, for messages ({@code name[pid]})
     * @param participations asked in order whether they send QUIT
     * @param signal         sends a signal; false when the process is gone
     */
    Escalation(String who, List<Participation> participations, IntPredicate signal, Timers timers,
            StopOptions options) {
        this.who = who;
        this.participations = participations;
        this.signal = signal;
        this.timers = timers;
        this.quitTimeout = options.quitTimeout();
        this.killTimeout = options.killTimeout();
        join(options.listener());
    }

    /** Another caller asks for the same stop: it hears of the steps to come, the timers stay. */
    void join(StopListener listener) {
        if (listener != null) {
            listeners.add(listener);
        }
    }

    /** The first step, on the caller's thread. */
    synchronized void begin() {
        if (quitByMessage()) {
            next(() -> escalate(SIGTERM, quitTimeout), quitTimeout);
        } else {
            send(SIGTERM);
            next(() -> escalate(SIGKILL, killTimeout), killTimeout);
        }
    }

    /** The process exited: the pending step is cancelled; waits for a step under way. */
    synchronized void exited() {
        over = true;
        if (pending != null) {
            pending.run();
            pending = null;
        }
    }

    private boolean quitByMessage() {
        for (Participation part : participations) {
            try {
                if (part.quit()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // That participant could not send it: the next one may, else SIGTERM does.
                failed("asking " + who + " to quit through " + part + ": " + e.getMessage());
            }
        }
        return false;
    }

    private synchronized void escalate(int sig, Duration waited) {
        pending = null;
        if (over) {
            return;
        }
        if (send(sig)) {
            for (StopListener l : listeners) {
                try {
                    l.escalated(sig, waited);
                } catch (RuntimeException e) {
                    // The listener's own failure: the stop goes on regardless.
                }
            }
        }
        if (sig == SIGTERM) {
            next(() -> escalate(SIGKILL, killTimeout), killTimeout);
        }
    }

    /** True when the signal went out; false when the process was gone or sending failed (reported). */
    private boolean send(int sig) {
        try {
            return signal.test(sig);
        } catch (RuntimeException e) {
            failed((sig == SIGKILL ? "SIGKILL" : "SIGTERM") + " to " + who + ": " + e.getMessage());
            return false;
        }
    }

    private void next(Runnable step, Duration delay) {
        assert Thread.holdsLock(this);
        if (!over) {
            // Scheduled under the monitor, so that an exit seen meanwhile finds it and cancels it.
            pending = timers.schedule(step, delay);
        }
    }

    private void failed(String message) {
        for (StopListener l : listeners) {
            try {
                l.failed(message);
            } catch (RuntimeException e) {
                // As above: the listener's own failure.
            }
        }
    }
}
