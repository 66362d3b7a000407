package io.corral.port.internal;

import io.corral.posix.Epoll;
import io.corral.posix.PosixException;
import io.corral.worker.wire.Decoded;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.Refusal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one thread that reads every port main holds: epoll over all links,
 * one datagram per readiness report, so that no port can starve the others.
 */
final class Reader {

    /** What the reader found; called on the reader thread. */
    interface Sink {
        void frame(Entry from, Frame frame);

        void refused(Entry from, Refusal refusal, String detail);

        /** The process closed its end (or reading failed): main's end should be closed. */
        void ended(Entry from);
    }

    private static final int EVENTS = 64;

    private final Epoll epoll;
    private final Sink sink;
    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    Reader(Sink sink) throws PosixException {
        this.epoll = Epoll.create(EVENTS);
        this.sink = sink;
        this.thread = new Thread(this::loop, "corral-ports");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reads the process's port from now on. */
    void add(Entry e) throws PosixException {
        entries.put(e.link.token, e);
        try {
            epoll.add(e.link.channel.fd(), e.link.token);
        } catch (PosixException ex) {
            entries.remove(e.link.token);
            throw ex;
        }
    }

    /** Stops reading the process's port; call before closing it. */
    void remove(Entry e) {
        if (entries.remove(e.link.token) != null) {
            epoll.remove(e.link.channel.fd());
        }
    }

    private void loop() {
        try {
            while (running) {
                int n = epoll.await(-1);
                for (int i = 0; i < n; i++) {
                    Entry e = entries.get(epoll.token(i));
                    if (e != null) {
                        try {
                            read(e);
                        } catch (RuntimeException ex) {
                            // One frame's trouble must never stop the reading of every port.
                            System.err.println("corral: handling a frame from pid " + e.pid + ": " + ex);
                        }
                    }
                }
            }
        } catch (PosixException e) {
            System.err.println("corral: the port reader stopped: " + e.getMessage());
        }
    }

    private void read(Entry e) {
        Decoded d;
        try {
            d = e.link.channel.read();
        } catch (PosixException ex) {
            System.err.println("corral: reading the port of pid " + e.pid + ": " + ex.getMessage());
            sink.ended(e);
            return;
        }
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
