package io.corral.shell.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The control socket's accept loop. Only closing the socket ends it: a failed
 * accept (EMFILE when the JVM is out of descriptors, ENFILE when the system
 * is) is tried again after a pause that doubles from {@value #FIRST_PAUSE_MS}
 * ms to {@value #LONGEST_PAUSE_MS} ms, so the instance answers again as soon
 * as descriptors are free. Connections that arrive meanwhile wait in the
 * socket's backlog. One line when a run of failures starts and one when it
 * ends, however many accepts fail in between.
 *
 * @param <C> what an accept returns (a channel; tests use anything); the
 *     handler takes over each and must not throw
 */
final class AcceptLoop<C> implements Runnable {

    /** One accept: blocks until a connection comes; ClosedChannelException once the socket is closed. */
    interface Source<C> {
        C accept() throws IOException;
    }

    /** Waits between failed accepts. */
    interface Pause {
        void sleep(long millis) throws InterruptedException;
    }

    static final long FIRST_PAUSE_MS = 10;
    static final long LONGEST_PAUSE_MS = 1000;

    /** strerror(3) texts as the JDK reports them, for the errno names an operator searches for. */
    private static final Map<String, String> ERRNO = Map.of(
        "Too many open files", "EMFILE",
        "Too many open files in system", "ENFILE",
        "No buffer space available", "ENOBUFS",
        "Cannot allocate memory", "ENOMEM");

    private final Source<C> source;
    private final Consumer<C> handler;
    private final Consumer<String> log;
    private final Pause pause;
    private final LongSupplier nanoTime;

    AcceptLoop(Source<C> source, Consumer<C> handler, Consumer<String> log, Pause pause, LongSupplier nanoTime) {
        this.source = source;
        this.handler = handler;
        this.log = log;
        this.pause = pause;
        this.nanoTime = nanoTime;
    }

    AcceptLoop(Source<C> source, Consumer<C> handler, Consumer<String> log) {
        this(source, handler, log, Thread::sleep, System::nanoTime);
    }

    @Override
    public void run() {
        long wait = FIRST_PAUSE_MS;
        long failures = 0;
        long firstFailure = 0;
        while (true) {
            C c;
            try {
                c = source.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (failures++ == 0) {
                    firstFailure = nanoTime.getAsLong();
                    log.accept("corral: control socket: " + describe("accept", e) + "; trying again every "
                        + FIRST_PAUSE_MS + " ms to " + LONGEST_PAUSE_MS / 1000 + " s until it succeeds");
                }
                try {
                    pause.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
                wait = Math.min(wait * 2, LONGEST_PAUSE_MS);
                continue;
            }
            if (failures > 0) {
                long millis = (nanoTime.getAsLong() - firstFailure) / 1_000_000;
                log.accept("corral: control socket: accepting again after " + failures + " failed "
                    + (failures == 1 ? "accept" : "accepts") + " in " + String.format(Locale.ROOT, "%.1f", millis / 1000.0) + " s");
                failures = 0;
                wait = FIRST_PAUSE_MS;
            }
            handler.accept(c);
        }
    }

    /** "accept: Too many open files (EMFILE)": the step, the system's text and, when known, the errno. */
    static String describe(String step, IOException e) {
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        String errno = ERRNO.get(message);
        return step + ": " + message + (errno != null ? " (" + errno + ")" : "");
    }
}
