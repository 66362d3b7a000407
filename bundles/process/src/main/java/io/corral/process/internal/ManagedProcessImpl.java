package io.corral.process.internal;

import io.corral.api.credential.Credential;
import io.corral.api.isolation.ExitHandler;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Participation;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.StopOptions;
import io.corral.posix.PidfdExit;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * One supervised process. It is its own {@link ExitHandler}: the provider's
 * reader thread reports the exit here, possibly before the spawning thread
 * has finished registering it, which is why state only moves forward.
 */
final class ManagedProcessImpl implements ManagedProcess, ExitHandler {

    /** How long a waiter blocks in the kernel before it looks at its interrupt status again. */
    private static final int WAIT_SLICE_MILLIS = 100;

    private final String name;
    private final ProcessType type;
    private final Credential credential;
    private final Set<Namespace> namespaces;
    private volatile Path logFile;
    private final Instant startTime = Instant.now();
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final BiConsumer<ManagedProcessImpl, ProcessState> onChange;
    /** Asked in order to send QUIT when the process is stopped. */
    private final List<Participation> participations;
    private final Escalation.Timers timers;
    /** The stop under way, once one was asked for (guarded by this). */
    private Escalation stopping;
    private volatile String provider;
    private volatile int pid = -1;
    private volatile int isolatedPid = -1;
    private volatile int pidfd = -1;
    /** Threads watching the pidfd in waitFor: it is closed only when the last one is done (guarded by this). */
    private int watchers;
    /**
     * The provider has reported the exit, or no longer watches (guarded by
     * this). Until then the pidfd stays open even after a waiting thread saw
     * the exit: the provider may still hand it to a new spawn server.
     */
    private boolean providerDone;
    private volatile ProcessState state = ProcessState.STARTING;
    /** Set once, when the exit is seen: before the state moves and before {@link #exit} completes. */
    private volatile ExitStatus status;
    private final Resources resources;
    /** The provider's view of a pid's cgroup. */
    private volatile IntFunction<Optional<ResourceUsage>> usageSource = pid -> Optional.empty();

    ManagedProcessImpl(String name, ProcessType type, Credential credential, Set<Namespace> namespaces,
            Resources resources, Path logFile, String provider, BiConsumer<ManagedProcessImpl, ProcessState> onChange,
            List<Participation> participations, Escalation.Timers timers) {
        this.name = name;
        this.resources = resources;
        this.type = type;
        this.credential = credential;
        this.namespaces = Set.copyOf(namespaces);
        this.logFile = logFile;
        this.provider = provider;
        this.onChange = onChange;
        this.participations = List.copyOf(participations);
        this.timers = timers;
    }

    /** The spawn succeeded: the program runs. */
    void launched(int pid, int isolatedPid, int pidfd) {
        this.pid = pid;
        this.isolatedPid = isolatedPid;
        synchronized (this) {
            this.pidfd = pidfd;
            // The exit may have been reported first; then nothing will use the pidfd again.
            closePidfdWhenUnused();
        }
        advance(ProcessState.RUNNING);
    }

    /** Moves the state forward; a report that would move it back is stale and ignored. */
    void advance(ProcessState next) {
        boolean changed;
        synchronized (this) {
            changed = next.compareTo(state) > 0;
            if (changed) {
                state = next;
            }
        }
        if (changed) {
            onChange.accept(this, next);
        }
    }

    void logFile(Path renamed) {
        this.logFile = renamed;
    }

    void adoptedBy(String provider) {
        this.provider = provider;
    }

    void usageSource(IntFunction<Optional<ResourceUsage>> source) {
        this.usageSource = source;
    }

    int pidfd() {
        return pidfd;
    }

    boolean alive() {
        return status == null;
    }

    /** The provider's report. */
    @Override
    public void exited(int pid, int code, int signal, boolean known) {
        exited(pid, code, signal, known, false);
    }

    @Override
    public void exited(int pid, int code, int signal, boolean known, boolean oomKilled) {
        ExitStatus s = known ? status(code, signal) : ExitStatus.unknown();
        seen(pid, oomKilled ? new ExitStatus(s.code(), s.signal(), s.known(), true) : s, true);
    }

    /**
     * The program's status. In a pid namespace the process Corral watches is
     * the namespace's init, which ends with the program's exit code, or
     * 128 + N when signal N killed the program, as a shell reports it.
     */
    private ExitStatus status(int code, int signal) {
        if (signal != 0) {
            return ExitStatus.killed(signal);
        }
        if (namespaces.contains(Namespace.PID) && code > 128 && code < 128 + 65) {
            return ExitStatus.killed(code - 128);
        }
        return ExitStatus.exited(code);
    }

    /** The provider that watched this process is gone without reporting its exit, which was seen here. */
    void providerGone() {
        synchronized (this) {
            providerDone = true;
            closePidfdWhenUnused();
        }
    }

    /** The exit, from the provider or from a waiting thread; the first one counts. */
    private void seen(int pid, ExitStatus s, boolean byProvider) {
        Escalation stop;
        synchronized (this) {
            providerDone |= byProvider;
            if (status != null) {
                // Reported twice (by a waiting thread and the provider, or while moving between providers).
                closePidfdWhenUnused();
                return;
            }
            if (this.pid < 0) {
                // The exit came before the spawn returned: listeners must still learn whose it is.
                this.pid = pid;
            }
            status = s;
            stop = stopping;
            closePidfdWhenUnused();
        }
        if (stop != null) {
            stop.exited();
        }
        // Listeners first: whoever waits on onExit() then finds the state EXITED and every listener told.
        advance(ProcessState.EXITED);
        exit.complete(s);
    }

    /** Closes the pidfd once the exit is known, the provider is done with it and no thread watches it. */
    private void closePidfdWhenUnused() {
        assert Thread.holdsLock(this);
        if (status != null && providerDone && watchers == 0 && pidfd >= 0) {
            Posix.closeQuietly(pidfd);
            pidfd = -1;
        }
    }

    @Override
    public ExitStatus waitFor() throws InterruptedException {
        return waitUntil(Long.MAX_VALUE).orElseThrow();
    }

    @Override
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        long now = System.nanoTime();
        long nanos = timeout.toNanos();
        return waitUntil(nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos);
    }

    /**
     * Learns the exit on this thread through the pidfd where the kernel can
     * say it; otherwise (or once another thread has seen it first) waits for
     * {@link #exit}, completed by whoever saw the exit.
     */
    private Optional<ExitStatus> waitUntil(long deadline) throws InterruptedException {
        PidfdExit watch = null;
        try {
            watch = watch();
            while (watch != null && status == null) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                int waitStatus = watch.await((int) Math.min(WAIT_SLICE_MILLIS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
                if (waitStatus >= 0) {
                    exitedWithWaitStatus(waitStatus);
                } else if (waitStatus == PidfdExit.UNSUPPORTED) {
                    break;
                }
            }
        } catch (PosixException e) {
            // Cannot watch here; the provider still reports the exit.
        } finally {
            if (watch != null) {
                unwatch(watch);
            }
        }
        try {
            return Optional.of(deadline == Long.MAX_VALUE ? exit.get()
                : exit.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for " + this, e.getCause());
        }
    }

    /** A watch on the pidfd, which stays open until {@link #unwatch}; null when there is nothing to watch. */
    private synchronized PidfdExit watch() throws PosixException {
        // Only the provider can tell whether a memory limit's OOM killer ended it.
        if (status != null || pidfd < 0 || PidfdExit.knownUnsupported() || resources.memoryMax().isPresent()) {
            return null;
        }
        PidfdExit w = PidfdExit.watch(pidfd);
        watchers++;
        return w;
    }

    /** Ends a watch; the last watcher after the exit may close the pidfd. */
    private void unwatch(PidfdExit w) {
        w.close();
        synchronized (this) {
            watchers--;
            closePidfdWhenUnused();
        }
    }

    /** The exit, as a wait(2) status learned on a waiting thread. */
    private void exitedWithWaitStatus(int waitStatus) {
        seen(pid, status((waitStatus >> 8) & 0xff, waitStatus & 0x7f), false);
    }

    @Override
    public boolean signal(int signal) {
        synchronized (this) {
            if (status != null || pid < 0) {
                return false;
            }
            try {
                // Through the pidfd: a recycled pid can never be hit by mistake.
                return pidfd >= 0 ? Posix.pidfdSignal(pidfd, signal) : Posix.kill(pid, signal);
            } catch (PosixException e) {
                throw new IllegalStateException("signal " + signal + " to pid " + pid + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public CompletionStage<ExitStatus> stop(StopOptions options) {
        Escalation begun;
        synchronized (this) {
            if (status != null) {
                return onExit(); // over already: completes at once
            }
            if (stopping != null) {
                stopping.join(options.listener());
                return onExit();
            }
            begun = new Escalation(toString(), participations, this::signal, timers, options);
            stopping = begun;
        }
        // Outside the lock: QUIT goes through other bundles' code, and the exit may be seen meanwhile.
        begun.begin();
        return onExit();
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public int isolatedPid() {
        return isolatedPid;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ProcessType type() {
        return type;
    }

    @Override
    public ProcessState state() {
        return state;
    }

    @Override
    public Credential credential() {
        return credential;
    }

    @Override
    public Set<Namespace> namespaces() {
        return namespaces;
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public Instant startTime() {
        return startTime;
    }

    @Override
    public Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }

    @Override
    public Optional<ExitStatus> exitStatus() {
        return Optional.ofNullable(status);
    }

    @Override
    public CompletionStage<ExitStatus> onExit() {
        return exit.minimalCompletionStage();
    }

    @Override
    public Resources resources() {
        return resources;
    }

    @Override
    public Optional<ResourceUsage> usage() {
        return status != null || pid < 0 ? Optional.empty() : usageSource.apply(pid);
    }

    @Override
    public String toString() {
        return name + "[" + pid + "]";
    }

    // ---- standard streams: the pipes the spec asked for (ProcessStreams) ----

    private volatile ProcessStreams streams;
    private ProcessView view;

    /** The spawn returned with these pipes; handed to their users, drained at the exit. */
    void streams(ProcessStreams s) {
        streams = s;
        if (s.any()) {
            exit.thenRun(s::exited);
        }
    }

    /** The factory forgets the process: what nobody read goes. */
    void forgotten() {
        ProcessStreams s = streams;
        if (s != null) {
            s.forget();
        }
    }

    private ProcessStreams piped(String stream) {
        ProcessStreams s = streams;
        if (s == null) {
            throw new IllegalStateException(stream + " of " + this + " is not a PIPE: it is not spawned yet");
        }
        return s;
    }

    @Override
    public java.io.OutputStream stdin() {
        return piped("stdin").stdin();
    }

    @Override
    public java.io.InputStream stdout() {
        return piped("stdout").stdout();
    }

    @Override
    public java.io.InputStream stderr() {
        return piped("stderr").stderr();
    }

    @Override
    public void handleStreams(io.corral.api.process.StreamHandler handler) {
        piped("stdout").handle(this, handler);
    }

    @Override
    public void wantWrite() {
        piped("stdin").wantWrite();
    }

    @Override
    public void closeStdin() {
        ProcessStreams s = streams;
        if (s != null) {
            s.closeStdin();
        }
    }

    @Override
    public synchronized Process asProcess() {
        if (view == null) {
            view = new ProcessView(this, streams);
        }
        return view;
    }
}
