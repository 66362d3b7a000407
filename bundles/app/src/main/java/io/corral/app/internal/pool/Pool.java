package io.corral.app.internal.pool;

import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.SpawnException;
import io.corral.api.process.StopListener;
import io.corral.api.process.StopOptions;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The processes of one application. It keeps {@code target} of them
 * running: an exit nobody asked for is replaced after a back-off that
 * doubles while failures follow each other (a crash loop after
 * {@link PoolSettings#crashLoopFailures()} of them); a process asked to quit
 * is stopped by the process's own {@link ManagedProcess#stop} (QUIT or
 * SIGTERM, then SIGTERM and SIGKILL if it does not exit in time), and each
 * escalation is noted in the application's log.
 *
 * <p>Confined to the {@link Scheduler}'s thread: every method must be called
 * there, and exits are handed over to it. No thread per process, none per pool.
 */
public final class Pool {

    static final int SIGTERM = 15;

    private final Scheduler scheduler;
    private final Launcher launcher;
    private final PoolSettings settings;
    private final Consumer<String> note;
    private final BooleanSupplier halting;
    private final List<Member> members = new ArrayList<>();
    private AppConfig config;
    private int target;
    private boolean stopped;
    private boolean closed;
    private int restarts;
    private int failures;
    private boolean crashLoop;
    private Scheduler.Timer respawn;
    private String message;

    /**
     * @param note    writes a line about the pool's life (started, exited, respawning) to the application's log
     * @param halting true once the whole container is stopping: exits are then expected, whoever signalled them
     */
    public Pool(AppConfig config, Scheduler scheduler, Launcher launcher, PoolSettings settings, Consumer<String> note, BooleanSupplier halting) {
        this.config = config;
        this.scheduler = scheduler;
        this.launcher = launcher;
        this.settings = settings;
        this.note = note;
        this.halting = halting;
        this.target = config.processes().initial();
    }

    public AppConfig config() {
        return config;
    }

    public ProcessType role() {
        return config.role();
    }

    // ---- operations ----

    /** Starts the processes it wants; also ends a stop, and gives a crash-looping pool a fresh try at once. */
    public void start() {
        checkOpen();
        stopped = false;
        forgetFailures();
        reconcile();
    }

    /** Asks every process to quit; none is started until {@link #start}. */
    public void stop() {
        checkOpen();
        stopped = true;
        forgetFailures();
        quitAll();
    }

    /** New processes first, then the old ones are asked to quit: every pid is replaced. */
    public void restart() {
        checkOpen();
        stopped = false;
        forgetFailures();
        List<Member> old = live();
        old.forEach(m -> m.quitting = true);
        reconcile();
        old.forEach(this::sendQuit);
    }

    /** Keeps {@code n} processes; refused when {@code n} does not fit {@code "processes"}. */
    public void scale(int n) {
        checkScale(n);
        target = n;
        reconcile();
    }

    /** Refuses {@code n} when it does not fit {@code "processes"}, changing nothing. */
    public void checkScale(int n) {
        checkOpen();
        Processes p = config.processes();
        if (p.fixed() ? n < 1 : n < p.spare() || n > p.max()) {
            throw new IllegalStateException("application \"" + config.name() + "\" has \"processes\": " + p
                + "; it can be scaled to " + (p.fixed() ? "1 or more" : p.spare() + " to " + p.max())
                + ", not " + n);
        }
    }

    /**
     * Takes a new configuration of the same application. When only
     * {@code "processes"} changed, the pool is resized; otherwise every
     * process is replaced, as Unit does. A stopped pool stays stopped.
     */
    public void reconfigure(AppConfig next) {
        checkOpen();
        boolean resizeOnly = next.sameButProcesses(config);
        config = next;
        target = next.processes().initial();
        if (resizeOnly) {
            if (!next.processes().fixed()) {
                live().forEach(this::idle);
            }
            reconcile();
            return;
        }
        restarts = 0;
        forgetFailures();
        if (stopped) {
            return;
        }
        List<Member> old = live();
        old.forEach(m -> m.quitting = true);
        reconcile();
        old.forEach(this::sendQuit);
    }

    /** The application left the document: every process is asked to quit, for good. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        forgetFailures();
        quitAll();
    }

    /**
     * A router asks for one more worker (START_WORKER). Granted while the
     * pool is of the {@code {spare, max}} kind, running and under its max.
     */
    public boolean requestWorker() {
        return startWorker() >= 0;
    }

    /**
     * One more process, up to {@code max}: its pid, 0 when it starts after a
     * back-off, -1 when the pool may not grow.
     */
    public int startWorker() {
        if (closed || stopped || config.processes().fixed() || target >= config.processes().max()) {
            return -1;
        }
        target++;
        note.accept("a router asked for a worker; " + target + " wanted");
        int before = members.size();
        reconcile();
        return members.size() > before ? members.get(members.size() - 1).pid() : 0;
    }

    /**
     * A process started or finished work: a busy process is never quit for
     * idleness. The port protocol carries no such report yet, so nothing in
     * Corral calls this and every process counts as idle from when it is ready.
     */
    public void activity(int pid, boolean busy) {
        for (Member m : members) {
            if (m.pid() == pid && !m.quitting) {
                m.busy = busy;
                if (busy) {
                    cancel(m.idleTimer);
                    m.idleTimer = null;
                } else if (!config.processes().fixed()) {
                    idle(m);
                }
            }
        }
    }

    // ---- what it looks like ----

    public boolean has(int pid) {
        return members.stream().anyMatch(m -> m.pid() == pid && !m.quitting);
    }

    /** How many processes it keeps: 0 while stopped. */
    public int wanted() {
        return stopped || closed ? 0 : target;
    }

    public ApplicationStatus status(List<Path> logFiles) {
        List<Member> live = live();
        int idle = (int) live.stream().filter(m -> !m.busy).count();
        ApplicationState state;
        if (stopped || closed) {
            state = members.isEmpty() ? ApplicationState.STOPPED : ApplicationState.STOPPING;
        } else if (crashLoop) {
            state = ApplicationState.CRASH_LOOP;
        } else if (live.size() < target) {
            state = ApplicationState.STARTING;
        } else {
            state = ApplicationState.RUNNING;
        }
        return new ApplicationStatus(config.name(), config.role(), state, wanted(),
            live.size(), idle, restarts, live.stream().map(Member::pid).toList(), message, logFiles);
    }

    /** The exits of every process it still has, those asked to quit included. */
    public List<CompletionStage<ExitStatus>> exits() {
        return members.stream().map(m -> m.process.onExit()).toList();
    }

    // ---- keeping the count ----

    private void reconcile() {
        if (stopped || closed) {
            return;
        }
        List<Member> live = live();
        if (live.size() > target) {
            // Newest first (members are in spawn order), idle before busy: the oldest busy ones go last.
            Collections.reverse(live);
            live.sort(Comparator.comparing(m -> m.busy));
            for (Member m : live.subList(0, live.size() - target)) {
                note.accept("pid " + m.pid() + " is beyond the " + target + " wanted; asking it to quit");
                m.quitting = true;
                sendQuit(m);
            }
            settleFailures();
            return;
        }
        if (respawn != null) {
            settleFailures();
            return; // waiting out a back-off; the timer reconciles
        }
        for (int i = live.size(); i < target; i++) {
            if (!spawnOne()) {
                return;
            }
        }
        settleFailures();
    }

    /**
     * The failure state follows the pool: it lasts while a wanted process is
     * missing or one respawned after failures has not yet run for
     * {@code stableMs}. A scale-down can take away the failing copy: then
     * nothing is failing, and a pending respawn has nothing left to do.
     */
    private void settleFailures() {
        if (failures == 0 && respawn == null) {
            return;
        }
        List<Member> live = live();
        if (live.size() < target) {
            return;
        }
        cancel(respawn);
        respawn = null;
        if (live.stream().noneMatch(m -> m.stableTimer != null)) {
            failures = 0;
            crashLoop = false;
            message = null;
        }
    }

    /**
     * Takes over a process of this application that runs already (the
     * application manager was reactivated, e.g. after a restart of the
     * credential bundle): it counts as one of the pool's, nothing is spawned for it.
     */
    public void adopt(ManagedProcess p) {
        note.accept("pid " + p.pid() + " adopted: it ran before the application manager was reactivated");
        track(p);
    }

    private boolean spawnOne() {
        ManagedProcess p;
        try {
            p = launcher.launch(config);
        } catch (SpawnException | RuntimeException e) {
            failed("spawn failed: " + e.getMessage());
            return false;
        }
        note.accept("pid " + p.pid() + " started");
        track(p);
        return true;
    }

    private void track(ManagedProcess p) {
        Member m = new Member(p, scheduler.now());
        members.add(m);
        // The exit arrives on a provider's thread (or at once, if it is over already): hand it to ours.
        p.onExit().whenComplete((status, error) -> scheduler.execute(
            () -> exited(m, status != null ? status : ExitStatus.unknown())));
        if (failures > 0) {
            m.stableTimer = scheduler.schedule(() -> stable(m), settings.stableMs());
        }
        if (!config.processes().fixed()) {
            idle(m);
        }
    }

    private void exited(Member m, ExitStatus status) {
        if (!members.remove(m)) {
            return;
        }
        m.cancelTimers();
        long lived = scheduler.now() - m.started;
        if (m.quitting || stopped || closed || halting.getAsBoolean()) {
            note.accept("pid " + m.pid() + " exited (" + status + ")");
            return;
        }
        restarts++;
        if (lived >= settings.stableMs()) {
            forgetFailures();
        }
        failed("pid " + m.pid() + " exited unasked (" + status + ") after " + seconds(lived));
    }

    /** A spawn failed or a process exited unasked: respawn after the back-off. */
    private void failed(String what) {
        failures++;
        if (failures >= settings.crashLoopFailures()) {
            crashLoop = true;
        }
        long delay = settings.backoff(failures);
        message = what + (crashLoop ? "; crash loop (" + failures + " failures in a row)" : "")
            + "; next try in " + seconds(delay);
        note.accept(message);
        if (respawn == null) {
            respawn = scheduler.schedule(() -> {
                respawn = null;
                reconcile();
                if (respawn == null && message != null) {
                    // The try was made and nothing failed yet: no "next try in" that has passed.
                    message = what + (crashLoop ? "; crash loop (" + failures + " failures in a row)" : "")
                        + "; restarted, watched until it has run for " + seconds(settings.stableMs());
                }
            }, delay);
        }
    }

    /** A process has run long enough after failures: the pool is healthy again unless another copy is failing. */
    private void stable(Member m) {
        m.stableTimer = null;
        if (members.contains(m) && !m.quitting && !stopped && !closed) {
            settleFailures();
        }
    }

    private void forgetFailures() {
        cancel(respawn);
        respawn = null;
        failures = 0;
        crashLoop = false;
        message = null;
    }

    // ---- idle processes ----

    private void idle(Member m) {
        cancel(m.idleTimer);
        m.idleSince = scheduler.now();
        m.idleTimer = scheduler.schedule(() -> idleCheck(m), config.processes().idleTimeoutSeconds() * 1000L);
    }

    private void idleCheck(Member m) {
        m.idleTimer = null;
        if (!members.contains(m) || m.quitting || m.busy || stopped || closed || config.processes().fixed()) {
            return;
        }
        if (m.process.state() != ProcessState.READY) {
            // Still starting (a worker that has not said PROCESS_READY): not idle yet, as in Unit.
            idle(m);
            return;
        }
        Processes p = config.processes();
        if (live().size() <= p.spare()) {
            return; // one of the spares: it stays
        }
        target = Math.max(p.spare(), target - 1);
        note.accept("pid " + m.pid() + " idle for " + seconds(scheduler.now() - m.idleSince)
            + "; asking it to quit (" + target + " wanted)");
        m.quitting = true;
        sendQuit(m);
        settleFailures();
    }

    // ---- quitting ----

    private void quitAll() {
        for (Member m : live()) {
            m.quitting = true;
            sendQuit(m);
        }
    }

    /**
     * The process's one stop operation with the pool's timeouts. The
     * escalation runs on the process factory's timer thread; what it reports
     * is handed to ours and noted. When the stop was begun by someone else
     * (the factory, as the container stops), the pool joins it and notes
     * the waits that were really used.
     */
    private void sendQuit(Member m) {
        cancel(m.idleTimer);
        m.idleTimer = null;
        int pid = m.pid();
        StopListener noter = new StopListener() {
            @Override
            public void escalated(int signal, Duration waited) {
                scheduler.execute(() -> note.accept("pid " + pid + (signal == SIGTERM
                    ? " did not quit within " + seconds(waited.toMillis()) + "; SIGTERM"
                    : " did not exit within " + seconds(waited.toMillis()) + " of SIGTERM; SIGKILL")));
            }

            @Override
            public void failed(String message) {
                scheduler.execute(() -> note.accept("pid " + pid + ": " + message));
            }
        };
        try {
            m.process.stop(StopOptions.builder().quitTimeout(Duration.ofMillis(settings.quitTimeoutMs()))
                .killTimeout(Duration.ofMillis(settings.killTimeoutMs())).listener(noter).build());
        } catch (RuntimeException e) {
            note.accept("asking pid " + pid + " to quit: " + e.getMessage());
        }
    }

    // ---- helpers ----

    private List<Member> live() {
        List<Member> live = new ArrayList<>();
        for (Member m : members) {
            if (!m.quitting) {
                live.add(m);
            }
        }
        return live;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("application \"" + config.name() + "\" was removed");
        }
    }

    private static void cancel(Scheduler.Timer t) {
        if (t != null) {
            t.cancel();
        }
    }

    static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s",
            millis / 1000.0);
    }
}
