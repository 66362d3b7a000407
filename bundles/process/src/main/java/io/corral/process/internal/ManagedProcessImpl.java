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
    private volatile Instant startTime = Instant.now();
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
    // ---- ownership, termination and hand-off (3.0) ----
    private volatile long owner = -1;
    private volatile io.corral.api.process.ProcessListener listener;
    /** The timeouts of destroy(): the factory's configured grace, read when it is called. */
    private volatile java.util.function.Supplier<Duration> grace = () -> StopOptions.DEFAULT_TIMEOUT;
    /** Its lifetime ran out and it was killed for that (set before the SIGKILL). */
    private volatile boolean timedOut;
    /** Cancels the lifetime timer (guarded by this). */
    private Runnable cancelLifetime;
    /** Handed to the factory's next instance: this object no longer follows the process (guarded by this). */
    private boolean handedOff;

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

    void owner(long bundleId) {
        this.owner = bundleId;
    }

    void listener(io.corral.api.process.ProcessListener l) {
        this.listener = l;
    }

    io.corral.api.process.ProcessListener listener() {
        return listener;
    }

    void grace(java.util.function.Supplier<Duration> g) {
        this.grace = g;
    }

    void startTime(Instant t) {
        this.startTime = t;
    }

    /** The timer that ends it at its lifetime's end; cancelled by the exit. */
    synchronized void lifetimeTimer(Runnable cancel) {
        if (status != null) {
            cancel.run();
        } else {
            cancelLifetime = cancel;
        }
    }

    /** Its lifetime ran out: killed, and its exit status will say so. */
    void expire() {
        timedOut = true;
        destroyForcibly();
    }

    /** A process restored from a hand-off: it runs, with this pidfd (now this object's). */
    void restored(int pid, int isolatedPid, int pidfd, ProcessState state) {
        this.pid = pid;
        this.isolatedPid = isolatedPid;
        synchronized (this) {
            this.pidfd = pidfd;
        }
        advance(state);
    }

    /**
     * Gives the process up to the factory's next instance: returns its pidfd,
     * which stays open and is no longer this object's, or -1 when it has
     * exited (or has no pidfd). This object then follows it no more.
     */
    synchronized int handOff() {
        if (status != null || handedOff || pidfd < 0) {
            return -1;
        }
        handedOff = true;
        int fd = pidfd;
        pidfd = -1;
        if (cancelLifetime != null) {
            cancelLifetime.run();
        }
        return fd;
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
        seen(pid, oomKilled ? s.toBuilder().oomKilled(true).build() : s, true);
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
            if (handedOff) {
                return; // the next instance's object reports it
            }
            if (timedOut) {
                s = s.toBuilder().timedOut(true).build();
            }
            if (cancelLifetime != null) {
                cancelLifetime.run();
                cancelLifetime = null;
            }
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
    public CompletionStage<ExitStatus> destroy() {
        Duration g = grace.get();
        return stop(StopOptions.of(g, g));
    }

    @Override
    public CompletionStage<ExitStatus> destroyForcibly() {
        try {
            signal(Escalation.SIGKILL);
        } catch (IllegalStateException e) {
            // Gone meanwhile: its exit completes the stage.
        }
        return onExit();
    }

    @Override
    public long ownerBundleId() {
        return owner;
    }

    @Override
    public boolean signal(int signal) {
        synchronized (this) {
            if (handedOff) {
                throw new IllegalStateException(this + " was handed to the process factory's next instance:"
                    + " look it up again with ProcessFactory.process(" + pid + ")");
            }
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
            if (status != null || handedOff) {
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
