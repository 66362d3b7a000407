package io.corral.app.internal.pool;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.process.StopOptions;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.DocumentValidator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class PoolTest {

    private final ManualScheduler clock = new ManualScheduler();
    private final FakeLauncher launcher = new FakeLauncher();
    private final List<Long> launchTimes = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private boolean halting;
    private final PoolSettings settings = new PoolSettings(500, 30_000, 3, 10_000, 5_000, 5_000);

    private static AppConfig app(String processes) throws Exception {
        return DocumentValidator.validate("{\"applications\": {\"web\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sleep\", \"processes\": " + processes + "}}}").applications().get("web");
    }

    private Pool pool(String processes) throws Exception {
        Launcher timed = a -> {
            launchTimes.add(clock.now());
            return launcher.launch(a);
        };
        Pool pool = new Pool(app(processes), clock, timed, settings, notes::add, () -> halting);
        pool.start();
        clock.runDue();
        return pool;
    }

    private static ApplicationStatus status(Pool p) {
        return p.status(List.of());
    }

    @Test
    public void processesTwoGivesTwoPids() throws Exception {
        Pool p = pool("2");
        assertEquals(2, launcher.alive().size());
        ApplicationStatus s = status(p);
        assertEquals(ApplicationState.RUNNING, s.state());
        assertEquals(2, s.wanted());
        assertEquals(2, s.running());
        assertEquals(List.of(100, 101), s.pids());
    }

    @Test
    public void scalingToFourGivesFourAndBackToOneQuitsTheNewest() throws Exception {
        Pool p = pool("2");
        p.scale(4);
        clock.runDue();
        assertEquals(4, launcher.alive().size());
        p.scale(1);
        clock.runDue();
        assertEquals(List.of(100), launcher.alive().stream().map(f -> f.pid).toList());
        assertEquals(1, status(p).running());
        clock.advance(60_000);
        assertEquals("nothing is respawned after a scale-down", 4, launcher.launched.size());
    }

    @Test
    public void scaleOutsideTheLimitsIsRefusedWithTheReason() throws Exception {
        try {
            pool("2").scale(0);
            fail();
        } catch (IllegalStateException e) {
            assertEquals("application \"web\" has \"processes\": 2; it can be scaled to 1 or more, not 0",
                e.getMessage());
        }
        try {
            pool("{\"spare\": 1, \"max\": 3}").scale(4);
            fail();
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().endsWith("it can be scaled to 1 to 3, not 4"));
        }
    }

    @Test
    public void anExitGivesExactlyOneReplacement() throws Exception {
        Pool p = pool("2");
        launcher.launched.get(0).signal(9);
        clock.runDue();
        assertEquals(1, launcher.alive().size());
        clock.advance(500);
        assertEquals(2, launcher.alive().size());
        assertEquals(3, launcher.launched.size());
        clock.advance(120_000);
        assertEquals("exactly one replacement", 3, launcher.launched.size());
        ApplicationStatus s = status(p);
        assertEquals(1, s.restarts());
        assertEquals(ApplicationState.RUNNING, s.state());
    }

    @Test
    public void aProgramThatExitsAtOnceBacksOffAndShowsItsCrashLoop() throws Exception {
        launcher.crashAtOnce = true;
        Pool p = pool("1");
        clock.advance(20_000);
        // Respawns after 0.5, 1, 2, 4, 8 s: the waits double.
        long t0 = launchTimes.get(0);
        assertEquals(List.of(0L, 500L, 1500L, 3500L, 7500L, 15500L),
            launchTimes.stream().map(t -> t - t0).toList());
        ApplicationStatus s = status(p);
        assertEquals(ApplicationState.CRASH_LOOP, s.state());
        assertEquals(6, s.restarts());
        assertTrue(s.message(), s.message().contains("exited unasked (exit 1)"));
        assertTrue(s.message(), s.message().contains("crash loop (6 failures in a row); next try in 16 s"));
        clock.advance(600_000);
        long last = launchTimes.get(launchTimes.size() - 1) - launchTimes.get(launchTimes.size() - 2);
        assertEquals("the wait stops growing at the maximum", 30_000L, last);
    }

    @Test
    public void aCrashLoopEndsOnceAProcessStaysUp() throws Exception {
        launcher.crashAtOnce = true;
        Pool p = pool("1");
        clock.advance(2_000);
        assertEquals(ApplicationState.CRASH_LOOP, status(p).state());
        launcher.crashAtOnce = false;
        clock.advance(2_000);
        assertEquals(1, launcher.alive().size());
        assertEquals(ApplicationState.CRASH_LOOP, status(p).state());
        String message = status(p).message();
        assertFalse("no stale \"next try in\" once the try was made: " + message, message.contains("next try in"));
        assertTrue(message, message.contains("; restarted, watched until it has run for "));
        clock.advance(10_000);
        assertEquals(ApplicationState.RUNNING, status(p).state());
        assertNull(status(p).message());
    }

    /** Two copies; the second is killed and every respawn of it crashes: a crash loop beside a healthy copy. */
    private Pool secondCopyCrashLooping(String processes) throws Exception {
        Pool p = pool(processes);
        launcher.crashAtOnce = true;
        launcher.launched.get(1).signal(9);
        clock.advance(20_000);
        ApplicationStatus s = status(p);
        assertEquals(ApplicationState.CRASH_LOOP, s.state());
        assertEquals(s.wanted() - 1, s.running());
        return p;
    }

    @Test
    public void aCrashLoopEndsWhenAScaleDownTakesAwayTheFailingCopy() throws Exception {
        Pool p = secondCopyCrashLooping("2");
        int launches = launcher.launched.size();
        p.scale(1);
        clock.runDue();
        ApplicationStatus s = status(p);
        assertEquals(ApplicationState.RUNNING, s.state());
        assertEquals(1, s.wanted());
        assertEquals(List.of(100), s.pids());
        assertNull("no stale \"next try in\": " + s.message(), s.message());
        clock.advance(120_000);
        assertEquals("the pending respawn was dropped", launches, launcher.launched.size());
        assertEquals(ApplicationState.RUNNING, status(p).state());
    }

    @Test
    public void aCrashLoopEndsWhenANewDocumentAsksForFewerProcesses() throws Exception {
        Pool p = secondCopyCrashLooping("2");
        p.reconfigure(app("1"));
        clock.runDue();
        assertEquals(ApplicationState.RUNNING, status(p).state());
        assertNull(status(p).message());
    }

    @Test
    public void aCrashLoopGoesOnWhileAWantedCopyIsStillFailing() throws Exception {
        Pool p = pool("3");
        launcher.crashAtOnce = true;
        launcher.launched.get(1).signal(9);
        launcher.launched.get(2).signal(9);
        clock.advance(20_000);
        p.scale(2);
        clock.runDue();
        assertEquals("one of the two wanted is still failing", ApplicationState.CRASH_LOOP, status(p).state());
        int launches = launcher.launched.size();
        clock.advance(60_000);
        assertTrue("still respawned with back-off", launcher.launched.size() > launches);
    }

    @Test
    public void aScaleDownThatQuitsTheCopyOnProbationEndsTheCrashLoop() throws Exception {
        Pool p = secondCopyCrashLooping("2");
        launcher.crashAtOnce = false;
        while (status(p).running() < 2) {
            clock.advance(100);
        }
        // Respawned, but not yet stable.
        assertEquals(ApplicationState.CRASH_LOOP, status(p).state());
        p.scale(1);
        clock.runDue();
        assertEquals(ApplicationState.RUNNING, status(p).state());
        assertEquals(List.of(100), status(p).pids());
    }

    @Test
    public void aSpawnThatFailsIsRetriedWithBackOff() throws Exception {
        launcher.failWith = "executable \"/gone\": no such file";
        Pool p = pool("1");
        clock.advance(2_000);
        ApplicationStatus s = status(p);
        assertEquals(ApplicationState.CRASH_LOOP, s.state());
        assertTrue(s.message(), s.message().startsWith("spawn failed: executable \"/gone\": no such file"));
        launcher.failWith = null;
        clock.advance(2_000);
        assertEquals(1, launcher.alive().size());
    }

    @Test
    public void restartReplacesEveryPid() throws Exception {
        Pool p = pool("2");
        List<FakeProcess> old = launcher.alive();
        p.restart();
        clock.runDue();
        for (FakeProcess f : old) {
            assertFalse("old pid " + f.pid + " is gone", f.alive());
            assertEquals(List.of(15), f.signals);
        }
        assertEquals(List.of(102, 103), status(p).pids());
        clock.advance(60_000);
        assertEquals("the old ones are not replaced again", 4, launcher.launched.size());
        assertEquals(0, status(p).restarts());
    }

    @Test
    public void stopQuitsEveryProcessAndStartBringsThemBack() throws Exception {
        Pool p = pool("2");
        p.stop();
        clock.runDue();
        assertEquals(0, launcher.alive().size());
        assertEquals(ApplicationState.STOPPED, status(p).state());
        assertEquals(0, status(p).wanted());
        clock.advance(60_000);
        assertEquals(2, launcher.launched.size());
        p.start();
        clock.runDue();
        assertEquals(2, launcher.alive().size());
        assertEquals(ApplicationState.RUNNING, status(p).state());
    }

    @Test
    public void aStopUsesTheProcesssStopWithTheConfiguredTimeoutsAndNotesSigkill() throws Exception {
        launcher.deadly = Set.of(9);
        Pool p = pool("1");
        FakeProcess f = launcher.launched.get(0);
        p.stop();
        clock.runDue();
        assertEquals(1, f.stops.size());
        StopOptions asked = f.stops.get(0);
        assertEquals(Duration.ofMillis(5_000), asked.quitTimeout());
        assertEquals(Duration.ofMillis(5_000), asked.killTimeout());
        assertEquals(List.of(15), f.signals);
        assertEquals(ApplicationState.STOPPING, status(p).state());
        clock.advance(60_000);
        assertTrue("the pool keeps no timer of its own: the process's stop escalates", f.alive());
        f.escalate(9);
        clock.runDue();
        assertEquals(List.of(15, 9), f.signals);
        assertEquals(ApplicationState.STOPPED, status(p).state());
        assertEquals(List.of("pid 100 started", "pid 100 did not exit within 5 s of SIGTERM; SIGKILL",
            "pid 100 exited (killed by signal 9 (137))"), notes);
    }

    @Test
    public void aQuitMessageIsFollowedBySigtermThenSigkillEachNoted() throws Exception {
        launcher.speaksPort = true;
        launcher.deadly = Set.of(9);
        Pool p = pool("1");
        FakeProcess f = launcher.launched.get(0);
        p.stop();
        clock.runDue();
        assertEquals(1, f.quits);
        assertEquals(List.of(), f.signals);
        f.escalate(15);
        clock.runDue();
        assertEquals(List.of(15), f.signals);
        f.escalate(9);
        clock.runDue();
        assertEquals(List.of(15, 9), f.signals);
        assertFalse(f.alive());
        assertEquals(List.of("pid 100 started", "pid 100 did not quit within 5 s; SIGTERM",
            "pid 100 did not exit within 5 s of SIGTERM; SIGKILL", "pid 100 exited (killed by signal 9 (137))"),
            notes);
        assertEquals(ApplicationState.STOPPED, status(p).state());
    }

    @Test
    public void aStopBegunElsewhereIsJoinedAndItsRealWaitsAreNoted() throws Exception {
        launcher.speaksPort = true;
        launcher.deadly = Set.of(9);
        Pool p = pool("1");
        FakeProcess f = launcher.launched.get(0);
        // The container stops: the factory began the stop with its own grace.
        f.stop(StopOptions.of(Duration.ofSeconds(7), Duration.ofMillis(2_500)));
        p.stop();
        clock.runDue();
        assertEquals("one QUIT: the pool joined the stop under way", 1, f.quits);
        f.escalate(15);
        f.escalate(9);
        clock.runDue();
        assertEquals(List.of("pid 100 started", "pid 100 did not quit within 7 s; SIGTERM",
            "pid 100 did not exit within 2.5 s of SIGTERM; SIGKILL", "pid 100 exited (killed by signal 9 (137))"),
            notes);
    }

    @Test
    public void aStepThatFailedIsNotedWithItsPid() throws Exception {
        launcher.deadly = Set.of(9);
        Pool p = pool("1");
        FakeProcess f = launcher.launched.get(0);
        p.stop();
        f.fail("SIGKILL to fake[100]: Operation not permitted");
        clock.runDue();
        assertEquals("pid 100: SIGKILL to fake[100]: Operation not permitted", notes.get(notes.size() - 1));
    }

    @Test
    public void spareZeroStartsNoneOneOnRequestNoneAgainAfterIdle() throws Exception {
        Pool p = pool("{\"spare\": 0, \"max\": 8, \"idle_timeout\": 1}");
        assertEquals(0, launcher.launched.size());
        assertEquals(ApplicationState.RUNNING, status(p).state());
        assertTrue(p.requestWorker());
        clock.runDue();
        assertEquals(1, launcher.alive().size());
        assertEquals(1, status(p).idle());
        clock.advance(999);
        assertEquals(1, launcher.alive().size());
        clock.advance(1);
        assertEquals(0, launcher.alive().size());
        assertEquals(List.of(15), launcher.launched.get(0).signals);
        clock.advance(60_000);
        assertEquals("an idle quit is not a crash", 1, launcher.launched.size());
        ApplicationStatus s = status(p);
        assertEquals(0, s.wanted());
        assertEquals(0, s.restarts());
        assertEquals(ApplicationState.RUNNING, s.state());
    }

    @Test
    public void aProcessStillStartingIsNotIdle() throws Exception {
        Pool p = pool("{\"spare\": 0, \"max\": 8, \"idle_timeout\": 1}");
        launcher.startReady = false;
        assertTrue(p.requestWorker());
        clock.runDue();
        // A worker whose runtime takes longer than idle_timeout to say PROCESS_READY is not idle meanwhile.
        clock.advance(3_000);
        assertEquals(1, launcher.alive().size());
        assertEquals(List.of(), launcher.launched.get(0).signals);
        launcher.launched.get(0).ready = true;
        clock.advance(1_000);
        assertEquals("idle once ready, for idle_timeout", 0, launcher.alive().size());
    }

    @Test
    public void spareProcessesStayWhenIdle() throws Exception {
        Pool p = pool("{\"spare\": 1, \"max\": 3, \"idle_timeout\": 1}");
        assertTrue(p.requestWorker());
        clock.runDue();
        assertEquals(2, launcher.alive().size());
        clock.advance(5_000);
        assertEquals("down to spare, not below", 1, launcher.alive().size());
        assertEquals(1, status(p).wanted());
    }

    @Test
    public void aBusyProcessIsNotQuitForIdleness() throws Exception {
        Pool p = pool("{\"spare\": 0, \"max\": 2, \"idle_timeout\": 1}");
        p.requestWorker();
        clock.runDue();
        int pid = launcher.launched.get(0).pid;
        p.activity(pid, true);
        clock.advance(5_000);
        assertEquals(1, launcher.alive().size());
        assertEquals(0, status(p).idle());
        p.activity(pid, false);
        clock.advance(1_000);
        assertEquals(0, launcher.alive().size());
    }

    @Test
    public void workersAreRefusedAtMaxAndForFixedPools() throws Exception {
        Pool dynamic = pool("{\"spare\": 0, \"max\": 2}");
        assertTrue(dynamic.requestWorker());
        assertTrue(dynamic.requestWorker());
        assertFalse(dynamic.requestWorker());
        clock.runDue();
        assertEquals(2, launcher.alive().size());
        assertFalse(pool("2").requestWorker());
    }

    @Test
    public void aChangeOfProcessesOnlyResizesAndAnyOtherChangeReplaces() throws Exception {
        Pool p = pool("2");
        p.reconfigure(app("3"));
        clock.runDue();
        assertEquals(List.of(100, 101, 102), status(p).pids());
        AppConfig other = DocumentValidator.validate("{\"applications\": {\"web\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sleep\", \"arguments\": [\"9\"], \"processes\": 3}}}").applications().get("web");
        p.reconfigure(other);
        clock.runDue();
        assertEquals(List.of(103, 104, 105), status(p).pids());
        assertEquals(3, launcher.alive().size());
    }

    @Test
    public void aClosedPoolQuitsItsProcessesAndRefusesOperations() throws Exception {
        Pool p = pool("2");
        p.close();
        clock.runDue();
        assertEquals(0, launcher.alive().size());
        try {
            p.start();
            fail();
        } catch (IllegalStateException e) {
            assertEquals("application \"web\" was removed", e.getMessage());
        }
    }

    @Test
    public void exitsWhileTheContainerHaltsAreNotRespawned() throws Exception {
        Pool p = pool("2");
        halting = true;
        launcher.launched.forEach(f -> f.signal(15));
        clock.advance(60_000);
        assertEquals(2, launcher.launched.size());
        assertEquals(0, status(p).restarts());
    }

    @Test
    public void theLogToldWhatHappened() throws Exception {
        Pool p = pool("1");
        launcher.launched.get(0).exit(3);
        clock.advance(500);
        p.stop();
        clock.runDue();
        assertEquals(List.of("pid 100 started", "pid 100 exited unasked (exit 3) after 0 s; next try in 0.5 s",
            "pid 101 started", "pid 101 exited (killed by signal 15 (143))"), notes);
    }
}
