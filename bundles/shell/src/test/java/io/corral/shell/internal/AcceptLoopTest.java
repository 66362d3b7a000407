package io.corral.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.Test;

public class AcceptLoopTest {

    private static final IOException EMFILE = new IOException("Too many open files");

    /** Accepts from a script: a string is a connection, an exception is thrown; the end closes the socket. */
    private final Deque<Object> script = new ArrayDeque<>();
    private final List<String> accepted = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final List<Long> pauses = new ArrayList<>();
    private long now;

    private void run() {
        new AcceptLoop<String>(() -> {
            Object next = script.poll();
            if (next == null) {
                throw new ClosedChannelException();
            }
            if (next instanceof IOException e) {
                throw e;
            }
            return (String) next;
        }, accepted::add, log::add, millis -> {
            pauses.add(millis);
            now += millis * 1_000_000;
        }, () -> now).run();
    }

    private void fail(int times, IOException e) {
        for (int i = 0; i < times; i++) {
            script.add(e);
        }
    }

    @Test
    public void runningOutOfDescriptorsPausesAndTriesAgainWithOneLineWhenItStartsAndOneWhenItEnds() {
        script.add("first");
        fail(5, EMFILE);
        script.add("second");
        script.add("third");
        run();
        assertEquals(List.of("first", "second", "third"), accepted);
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L), pauses);
        assertEquals(List.of(
            "corral: control socket: accept: Too many open files (EMFILE); trying again every 10 ms to 1 s until it"
                + " succeeds",
            "corral: control socket: accepting again after 5 failed accepts in 0.3 s"), log);
    }

    @Test
    public void thePauseGrowsToOneSecondAndStartsAfreshAfterASuccess() {
        fail(9, new IOException("Too many open files in system"));
        script.add("a");
        fail(1, EMFILE);
        script.add("b");
        run();
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L, 10L), pauses);
        assertEquals(List.of("a", "b"), accepted);
        assertEquals(4, log.size());
        assertTrue(log.get(0), log.get(0).contains("accept: Too many open files in system (ENFILE)"));
        assertEquals("corral: control socket: accepting again after 9 failed accepts in 3.3 s", log.get(1));
        assertEquals("corral: control socket: accepting again after 1 failed accept in 0.0 s", log.get(3));
    }

    @Test
    public void closingTheSocketEndsTheLoopQuietly() {
        script.add("only");
        run();
        assertEquals(List.of("only"), accepted);
        assertEquals(List.of(), log);
        assertEquals(List.of(), pauses);
    }

    @Test
    public void anErrorWithoutAKnownErrnoIsNamedByItsText() {
        assertEquals("accept: Protocol error", AcceptLoop.describe("accept", new IOException("Protocol error")));
        assertEquals("accept: IOException", AcceptLoop.describe("accept", new IOException()));
    }
}
