package io.corral.process.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Participation;
import io.corral.api.process.StopListener;
import io.corral.api.process.StopOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.Test;

/** The escalation's order and timing, on a clock that moves only when the test says so. */
public class EscalationTest {

    /** Timers on a manual clock, in milliseconds; due tasks run on the test's thread. */
    private static final class ManualTimers implements Escalation.Timers {
        private record Task(long at, long seq, Runnable run, boolean[] cancelled) {
        }

        private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
        long now;
        private long seq;

        @Override
        public Runnable schedule(Runnable task, Duration delay) {
            boolean[] cancelled = {false};
            queue.add(new Task(now + delay.toMillis(), seq++, task, cancelled));
            return () -> cancelled[0] = true;
        }

        void advance(long millis) {
            long end = now + millis;
            while (!queue.isEmpty() && queue.peek().at <= end) {
                Task t = queue.poll();
                now = t.at;
                if (!t.cancelled[0]) {
                    t.run.run();
                }
            }
            now = end;
        }

        int pending() {
            return (int) queue.stream().filter(t -> !t.cancelled[0]).count();
        }
    }

    /** A participation that answers quit() as told and counts the questions. */
    private static final class Part implements Participation {
        final String name;
        final Boolean answer; // null: it throws
        int asked;

        Part(String name, Boolean answer) {
            this.name = name;
            this.answer = answer;
        }

        @Override
        public boolean quit() {
            asked++;
            if (answer == null) {
                throw new IllegalStateException("its port is broken");
            }
            return answer;
        }

        @Override
        public void started(ManagedProcess process, Runnable ready) {
        }

        @Override
        public void failed() {
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final ManualTimers timers = new ManualTimers();
    /** "signal@ms" for each signal sent. */
    private final List<String> sent = new ArrayList<>();
    private final List<String> told = new ArrayList<>();
    private boolean alive = true;
    private final StopListener listener = new StopListener() {
        @Override
        public void escalated(int signal, Duration waited) {
            told.add(signal + " after " + waited.toMillis());
        }

        @Override
        public void failed(String message) {
            told.add("failed: " + message);
        }
    };

    private Escalation escalation(List<Participation> parts, long quitMs, long killMs) {
        return new Escalation("w[42]", parts, sig -> {
            if (!alive) {
                return false;
            }
            sent.add(sig + "@" + timers.now);
            return true;
        }, timers, StopOptions.builder().quitTimeout(Duration.ofMillis(quitMs))
            .killTimeout(Duration.ofMillis(killMs)).listener(listener).build());
    }

    @Test
    public void quitThenSigtermAfterTheQuitTimeoutThenSigkillAfterTheKillTimeout() {
        Part port = new Part("port", true);
        escalation(List.of(port), 3_000, 2_000).begin();
        assertEquals(1, port.asked);
        assertEquals("QUIT went as a message: no signal yet", List.of(), sent);
        timers.advance(2_999);
        assertEquals(List.of(), sent);
        timers.advance(1);
        assertEquals(List.of("15@3000"), sent);
        timers.advance(1_999);
        assertEquals(List.of("15@3000"), sent);
        timers.advance(1);
        assertEquals(List.of("15@3000", "9@5000"), sent);
        assertEquals(List.of("15 after 3000", "9 after 2000"), told);
        timers.advance(60_000);
        assertEquals("nothing after SIGKILL", 2, sent.size());
    }

    @Test
    public void withoutAMessageSigtermAtOnceThenSigkillAfterTheKillTimeout() {
        Part port = new Part("port", false);
        escalation(List.of(port), 3_000, 2_000).begin();
        assertEquals(List.of("15@0"), sent);
        assertEquals("the first step is no escalation", List.of(), told);
        timers.advance(1_999);
        assertEquals(List.of("15@0"), sent);
        timers.advance(1);
        assertEquals(List.of("15@0", "9@2000"), sent);
        assertEquals(List.of("9 after 2000"), told);
    }

    @Test
    public void participationsAreAskedInOrderUntilOneSendsAndAFailingOneIsReported() {
        Part broken = new Part("broken", null);
        Part none = new Part("none", false);
        Part port = new Part("port", true);
        Part after = new Part("after", true);
        escalation(List.of(broken, none, port, after), 1_000, 1_000).begin();
        assertEquals(List.of(1, 1, 1, 0), List.of(broken.asked, none.asked, port.asked, after.asked));
        assertEquals(List.of(), sent);
        assertEquals(List.of("failed: asking w[42] to quit through broken: its port is broken"), told);
    }

    @Test
    public void theExitCancelsThePendingStep() {
        Escalation e = escalation(List.of(new Part("port", true)), 1_000, 1_000);
        e.begin();
        assertEquals(1, timers.pending());
        e.exited();
        assertEquals(0, timers.pending());
        timers.advance(10_000);
        assertEquals(List.of(), sent);
        assertEquals(List.of(), told);
    }

    @Test
    public void anExitBeforeTheFirstTimerLeavesNoneBehind() {
        Escalation e = escalation(List.of(), 1_000, 1_000);
        e.exited();
        e.begin();
        assertEquals(0, timers.pending());
    }

    @Test
    public void aProcessGoneMeanwhileIsNotReportedAsSignalled() {
        escalation(List.of(), 1_000, 1_000).begin();
        alive = false;
        timers.advance(1_000);
        assertEquals(List.of("15@0"), sent);
        assertEquals(List.of(), told);
    }

    @Test
    public void aJoinedListenerHearsTheStepsToComeOnTheFirstTimers() {
        Escalation e = escalation(List.of(new Part("port", true)), 1_000, 4_000);
        e.begin();
        timers.advance(1_000);
        List<String> second = new ArrayList<>();
        e.join((signal, waited) -> second.add(signal + " after " + waited.toMillis()));
        timers.advance(4_000);
        assertEquals(List.of("9 after 4000"), second);
        assertEquals(List.of("15 after 1000", "9 after 4000"), told);
    }

    @Test
    public void aFailingSignalIsReportedAndTheNextStepStillFollows() {
        Escalation e = new Escalation("w[42]", List.of(), sig -> {
            if (sig == 15) {
                throw new IllegalStateException("signal 15 to pid 42: Operation not permitted");
            }
            sent.add(sig + "@" + timers.now);
            return true;
        }, timers, StopOptions.builder().killTimeout(Duration.ofMillis(500)).listener(listener).build());
        e.begin();
        timers.advance(500);
        assertEquals(List.of("9@500"), sent);
        assertEquals(List.of("failed: SIGTERM to w[42]: signal 15 to pid 42: Operation not permitted",
            "9 after 500"), told);
    }

    @Test
    public void aListenerThatThrowsDoesNotHoldUpTheStop() {
        Escalation e = new Escalation("w[42]", List.of(new Part("port", true)), sig -> sent.add(sig + "@" + timers.now),
            timers, StopOptions.builder().quitTimeout(Duration.ofMillis(10)).killTimeout(Duration.ofMillis(10))
                .listener((signal, waited) -> {
                    throw new IllegalStateException("listener bug");
                }).build());
        e.begin();
        timers.advance(20);
        assertEquals(List.of("15@10", "9@20"), sent);
    }

    @Test
    public void negativeTimeoutsAreRefusedByName() {
        try {
            StopOptions.of(Duration.ofSeconds(-1), Duration.ZERO);
            throw new AssertionError("accepted");
        } catch (IllegalArgumentException ex) {
            assertEquals("quit timeout PT-1S: must not be negative", ex.getMessage());
        }
        assertTrue(StopOptions.of(Duration.ZERO, Duration.ZERO).killTimeout().isZero());
    }
}
