package io.corral.app.internal.pool;

import io.corral.api.credential.Credential;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.StopOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A process that exits when told to, or on a signal it does not ignore. Its
 * stop takes only the first step (QUIT when it speaks the port protocol,
 * else SIGTERM) and records what it was asked; a test plays the escalation
 * with {@link #escalate}, as the process factory's timers would. The real
 * escalation is tested in the process bundle.
 */
final class FakeProcess implements ManagedProcess {

    final int pid;
    final List<Integer> signals = new ArrayList<>();
    /** Every stop asked for, in order, joins included. */
    final List<StopOptions> stops = new ArrayList<>();
    /** QUIT messages it got. */
    int quits;
    /** Whether its stop begins with a QUIT message rather than SIGTERM. */
    boolean speaksPort;
    /** Ready (a worker that said PROCESS_READY), else still starting. */
    volatile boolean ready = true;
    final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    /** Signals that end it; SIGTERM and SIGKILL unless a test says otherwise. */
    final Set<Integer> deadly;

    FakeProcess(int pid, Set<Integer> deadly) {
        this.pid = pid;
        this.deadly = deadly;
    }

    /**
     * The factory's timer sends {@code signal} to the live process: every
     * stop's listener is told, with the wait of the first stop's options
     * (the one that set the timers), before the exit it causes, as the
     * factory guarantees.
     */
    void escalate(int signal) {
        if (!alive()) {
            return;
        }
        StopOptions first = stops.get(0);
        Duration waited = signal == 15 ? first.quitTimeout() : first.killTimeout();
        for (StopOptions o : stops) {
            if (o.listener() != null) {
                o.listener().escalated(signal, waited);
            }
        }
        signal(signal);
    }

    /** A step failed, as the factory would report it to every listener. */
    void fail(String message) {
        stops.stream().map(StopOptions::listener).filter(l -> l != null).forEach(l -> l.failed(message));
    }

    @Override
    public CompletionStage<ExitStatus> stop(StopOptions options) {
        if (exit.isDone()) {
            return exit;
        }
        stops.add(options);
        if (stops.size() == 1) {
            if (speaksPort) {
                quits++;
            } else {
                signal(15);
            }
        }
        return exit;
    }

    void exit(int code) {
        exit.complete(ExitStatus.exited(code));
    }

    boolean alive() {
        return !exit.isDone();
    }

    @Override
    public boolean signal(int signal) {
        if (exit.isDone()) {
            return false;
        }
        signals.add(signal);
        if (deadly.contains(signal)) {
            exit.complete(ExitStatus.killed(signal));
        }
        return true;
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int isolatedPid() {
        return pid;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public ProcessType type() {
        return ProcessType.WORKER;
    }

    @Override
    public ProcessState state() {
        return exit.isDone() ? ProcessState.EXITED : ready ? ProcessState.READY : ProcessState.RUNNING;
    }

    @Override
    public Credential credential() {
        return null;
    }

    @Override
    public Set<Namespace> namespaces() {
        return Set.of();
    }

    @Override
    public String provider() {
        return "fake";
    }

    @Override
    public Instant startTime() {
        return Instant.EPOCH;
    }

    @Override
    public Optional<Path> logFile() {
        return Optional.empty();
    }

    @Override
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(exit.getNow(null));
    }

    @Override
    public CompletionStage<ExitStatus> onExit() {
        return exit;
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<ExitStatus> waitFor(java.time.Duration timeout) throws InterruptedException {
        try {
            return Optional.of(exit.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public io.corral.api.isolation.Resources resources() {
        return io.corral.api.isolation.Resources.NONE;
    }

    @Override
    public Optional<io.corral.api.isolation.ResourceUsage> usage() {
        return Optional.empty();
    }
}
