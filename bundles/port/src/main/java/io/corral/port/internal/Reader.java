package io.corral.port.internal;

import io.corral.log.Log;
import io.corral.posix.Epoll;
import io.corral.posix.PosixException;
import io.corral.worker.wire.Decoded;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.Refusal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one thread that reads every port main holds: epoll over all links,
 * one datagram per readiness report, so that no port can starve the others.
 * A synchronous call reads its link on the caller's thread instead: the link
 * is disabled in the epoll set for the call and a little after
 * ({@link #suspend}, {@link #resume}), and the frames it reads meanwhile go
 * to the same {@link Sink}.
 */
final class Reader {

    /** What the reader found; called on the reader thread. */
    interface Sink {
        void frame(Entry from, Frame frame);

        void refused(Entry from, Refusal refusal, String detail);

        /** The process closed its end (or reading failed): main's end should be closed. */
        void ended(Entry from);
    }

    private static final Log LOG = Log.of(Reader.class);
    private static final int EVENTS = 64;
    /**
     * How often the reader looks at the ports that are with their callers,
     * at first: a port goes back to the reader once a whole interval passed
     * without a call ending on it; frames that arrive between the calls of a
     * run are read by the next call.
     */
    private static final int FIRST_LOOK_MILLIS = 1;
    /**
     * The longest interval: while every such port is still busy the interval
     * doubles up to this, because each look wakes the reader in the middle of
     * the calls (every millisecond, that cost each call of a run 0.05-0.1 us).
     * A port thus lingers at most twice this after a long run.
     */
    private static final int LAST_LOOK_MILLIS = 8;
    /** The interval between looks now, and when the last look was (the reader's own). */
    private int lookMillis = FIRST_LOOK_MILLIS;
    private long lastLook;

    private final Epoll epoll;
    private final Sink sink;
    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Ports disabled for calls: the reader enables them once they lingered long enough after the last. */
    private final Set<Entry> lingering = ConcurrentHashMap.newKeySet();
    /** The reader waits with no timeout: a port that starts lingering must wake it. */
    private volatile boolean waitingForever;

    Reader(Sink sink) throws PosixException {
        this.epoll = Epoll.create(EVENTS);
        this.sink = sink;
        this.thread = new Thread(this::loop, "corral-ports");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reads the process's port from now on. */
    void add(Entry e) throws PosixException {
        Link link = e.link;
        synchronized (link.watch) {
            entries.put(link.token, e);
            try {
                epoll.add(link.channel.fd(), link.token);
                // A call began before the port was watched: the reader enables it after the last one.
                PosixException failure = Link.active(link.calls.get()) > 0 ? setDisabled(e, true) : null;
                if (failure != null) {
                    throw failure;
                }
            } catch (PosixException ex) {
                entries.remove(link.token);
                epoll.remove(link.channel.fd());
                throw ex;
            }
        }
    }

    /** Stops reading the process's port; call before closing it. */
    void remove(Entry e) {
        Link link = e.link;
        synchronized (link.watch) {
            lingering.remove(e);
            if (entries.remove(link.token) != null) {
                epoll.remove(link.channel.fd());
            }
        }
    }

    /**
     * Disables the port in the epoll set for a call that reads it on its own
     * thread, so that the call's answer does not wake the reader too (a
     * hang-up still does, once: the reader then finds the port taken and
     * leaves it to the call). A port still disabled from a recent call costs
     * one atomic add and no lock here. Calls nest; each is followed by
     * {@link #resume}.
     */
    void suspend(Entry e) {
        Link link = e.link;
        // Dekker with endLingering: the add comes before the look at watched, as the reader's ENABLING
        // comes before its look at calls, so that either it sees this call or this sees its ENABLING.
        link.calls.getAndAdd(Link.CALL_STARTS);
        if (link.watched == Link.DISABLED) {
            return;
        }
        PosixException failure;
        synchronized (link.watch) {
            failure = setDisabled(e, true);
        }
        if (failure != null) {
            // Still enabled: the reader may read some frames between the call's; the read lock keeps them in order.
            LOG.warn("pausing the reading of the port of pid " + e.pid + ": " + failure.getMessage());
        }
    }

    /**
     * Ends a call: one atomic add. After the last one the port stays disabled
     * for one or two look intervals (1 to 16 ms), so that a run of calls
     * costs no epoll_ctl; then the reader enables it again, and whatever
     * arrived after the last answer is reported (level-triggered). Call it
     * after releasing {@link Link#reading}.
     */
    void resume(Entry e) {
        e.link.calls.getAndAdd(Link.CALL_ENDS);
    }

    /**
     * Enables the ports with no call on, and none ended since the last look
     * a look interval ago; on the reader thread. The interval doubles while
     * every port looked at is busy, and starts again from
     * {@link #FIRST_LOOK_MILLIS} otherwise.
     */
    private void endLingering() {
        long now = System.nanoTime();
        if (now - lastLook < lookMillis * 1_000_000L) {
            return;
        }
        lastLook = now;
        boolean allBusy = true;
        for (Entry e : lingering) {
            Link link = e.link;
            PosixException failure = null;
            synchronized (link.watch) {
                long calls = link.calls.get();
                int ended = Link.ended(calls);
                if (Link.active(calls) > 0 || ended != link.endedAtLastLook) {
                    link.endedAtLastLook = ended;
                    continue;
                }
                allBusy = false;
                link.watched = Link.ENABLING;
                if (Link.active(link.calls.get()) > 0) {
                    link.watched = Link.DISABLED; // a call started meanwhile: it reads the port itself
                    continue;
                }
                failure = setDisabled(e, false);
                if (link.watched == Link.ENABLING) {
                    link.watched = Link.DISABLED; // not enabled after all: unwatched meanwhile, or epoll_ctl failed
                }
            }
            if (failure != null) {
                // Disabled, nobody would read it again: treat it like a port that could not be watched at spawn.
                LOG.warn("watching the port of pid " + e.pid + " again: " + failure.getMessage());
                sink.ended(e);
            }
        }
        lookMillis = allBusy ? Math.min(2 * lookMillis, LAST_LOOK_MILLIS) : FIRST_LOOK_MILLIS;
    }

    /**
     * Disables or enables a watched port in the epoll set, unless it is so
     * already; the caller holds {@link Link#watch}. A disabled port is in
     * {@link #lingering}, where the reader looks for it. Returns the failure,
     * or null (the port's state unchanged then).
     */
    private PosixException setDisabled(Entry e, boolean disabled) {
        Link link = e.link;
        if (link.watched == (disabled ? Link.DISABLED : Link.ENABLED) || !running || entries.get(link.token) != e) {
            return null;
        }
        try {
            if (disabled) {
                epoll.disable(link.channel.fd(), link.token);
                link.watched = Link.DISABLED;
                if (lingering.add(e) && waitingForever) {
                    epoll.wakeup(); // its wait has no timeout: it would never give the port back
                }
            } else {
                epoll.enable(link.channel.fd(), link.token);
                link.watched = Link.ENABLED;
                lingering.remove(e);
            }
            return null;
        } catch (PosixException ex) {
            return ex;
        }
    }

    private void loop() {
        try {
            while (running) {
                // Dekker with setDisabled: either it sees this flag or this sees its port in the set.
                waitingForever = true;
                boolean linger = !lingering.isEmpty();
                if (linger) {
                    waitingForever = false;
                } else {
                    lookMillis = FIRST_LOOK_MILLIS;
                }
                int n = epoll.await(linger ? lookMillis : -1);
                waitingForever = false;
                for (int i = 0; i < n; i++) {
                    Entry e = entries.get(epoll.token(i));
                    // Taken means a call reads it now (the port was disabled after this wait began).
                    if (e != null && e.link.reading.tryLock()) {
                        try {
                            take(e, e.link.channel.read());
                        } catch (PosixException ex) {
                            failed(e, ex);
                        } finally {
                            e.link.reading.unlock();
                        }
                    }
                }
                if (linger) {
                    endLingering();
                }
            }
        } catch (PosixException e) {
            LOG.error("the port reader stopped: " + e.getMessage());
        }
    }

    /**
     * For a call: waits up to {@code timeoutMillis} for the next frame on the
     * port and hands it to the sink on the calling thread, as the reader
     * would. The caller holds {@link Link#reading} and has suspended the port.
     * Returns false once the port ended (end of file, or main's end closed).
     */
    boolean readFor(Entry e, long timeoutMillis) {
        try {
            return take(e, e.link.channel.read(timeoutMillis));
        } catch (PosixException ex) {
            failed(e, ex);
            return false;
        }
    }

    /** Hands a read's result to the sink; false when the port ended. */
    private boolean take(Entry e, Decoded d) {
        try {
            if (d == null) {
                Decoded end = e.link.channel.endOfInput();
                if (end != null) {
                    sink.refused(e, end.refusal(), end.detail());
                }
                sink.ended(e);
            } else if (d.refused()) {
                sink.refused(e, d.refusal(), d.detail());
            } else if (d.complete()) {
                sink.frame(e, d.frame());
            }
        } catch (RuntimeException ex) {
            // One frame's trouble must never stop the reading of every port (nor fail a call for another's frame).
            LOG.error("handling a frame from pid " + e.pid, ex);
        }
        return d != null;
    }

    private void failed(Entry e, PosixException ex) {
        LOG.warn("reading the port of pid " + e.pid + ": " + ex.getMessage());
        sink.ended(e);
    }

    /** Stops the thread and waits for it. */
    void close() {
        running = false;
        epoll.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        epoll.close();
    }
}
