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
        void frame(Link link, Frame frame);

        void refused(Link link, Refusal refusal, String detail);

        /** The process closed its end (or reading failed): main's end should be closed. */
        void ended(Link link);
    }

    private static final int EVENTS = 64;

    private final Epoll epoll;
    private final Sink sink;
    private final Map<Long, Link> links = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    Reader(Sink sink) throws PosixException {
        this.epoll = Epoll.create(EVENTS);
        this.sink = sink;
        this.thread = new Thread(this::loop, "corral-ports");
        thread.setDaemon(true);
        thread.start();
    }

    void add(Link link) throws PosixException {
        links.put(link.token, link);
        try {
            epoll.add(link.channel.fd(), link.token);
        } catch (PosixException e) {
            links.remove(link.token);
            throw e;
        }
    }

    /** Stops reading a link; call before closing it. */
    void remove(Link link) {
        if (links.remove(link.token) != null) {
            epoll.remove(link.channel.fd());
        }
    }

    private void loop() {
        try {
            while (running) {
                int n = epoll.await(-1);
                for (int i = 0; i < n; i++) {
                    Link link = links.get(epoll.token(i));
                    if (link != null) {
                        try {
                            read(link);
                        } catch (RuntimeException e) {
                            // One frame's trouble must never stop the reading of every port.
                            System.err.println("corral: handling a frame from pid " + link.pid + ": " + e);
                        }
                    }
                }
            }
        } catch (PosixException e) {
            System.err.println("corral: the port reader stopped: " + e.getMessage());
        }
    }

    private void read(Link link) {
        Decoded d;
        try {
            d = link.channel.read();
        } catch (PosixException e) {
            System.err.println("corral: reading the port of pid " + link.pid + ": " + e.getMessage());
            sink.ended(link);
            return;
        }
        if (d == null) {
            Decoded end = link.channel.endOfInput();
            if (end != null) {
                sink.refused(link, end.refusal(), end.detail());
            }
            sink.ended(link);
        } else if (d.refused()) {
            sink.refused(link, d.refusal(), d.detail());
        } else if (d.complete()) {
            sink.frame(link, d.frame());
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
