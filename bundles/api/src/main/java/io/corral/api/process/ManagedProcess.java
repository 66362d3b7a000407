package io.corral.api.process;

import io.corral.api.credential.Credential;
import io.corral.api.isolation.Namespace;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A process created by a {@link ProcessFactory}, tracked until its exit is
 * seen. It stays listed, as {@link ProcessState#EXITED}, until the factory
 * forgets exited processes.
 */
@ProviderType
public interface ManagedProcess {

    /** The pid in the container's pid namespace. */
    int pid();

    /**
     * The pid as the program sees itself: 2 in a new pid namespace (Corral's
     * init is 1 there, and {@link #pid()} is the init's), else {@link #pid()}.
     */
    int isolatedPid();

    String name();

    ProcessType type();

    ProcessState state();

    /** The credential it runs with. */
    Credential credential();

    /** The namespaces it was created in. */
    Set<Namespace> namespaces();

    /** The isolation provider that created it, e.g. {@code linux-clone}. */
    String provider();

    Instant startTime();

    /** Where its output goes, when that is its log file. */
    Optional<Path> logFile();

    /** Its exit status once it has exited. */
    Optional<ExitStatus> exitStatus();

    /**
     * Completes with the exit status when the exit is seen, after the state
     * became {@link ProcessState#EXITED} and every {@link ProcessListener} was told.
     * Unless a thread waits in {@link #waitFor()}, the exit is seen through
     * the provider, which may batch exit reports for a few milliseconds.
     */
    CompletionStage<ExitStatus> onExit();

    /**
     * Waits for the exit, like {@link Process#waitFor()}; when it returns,
     * the state is {@link ProcessState#EXITED} and every
     * {@link ProcessListener} was told, as for {@link #onExit()}. Where the
     * platform can tell a process's end to a thread that is not its parent
     * (a pidfd on Linux 6.15+), the waiting thread learns it itself, without
     * a hand-off from another thread and without the provider's batching.
     */
    ExitStatus waitFor() throws InterruptedException;

    /** As {@link #waitFor()}, for at most {@code timeout}; empty if the process has not exited by then. */
    Optional<ExitStatus> waitFor(java.time.Duration timeout) throws InterruptedException;

    /**
     * Sends a signal. Sending to a process that has exited is a no-op that
     * returns false; a pid is never reused by mistake (the signal goes
     * through a pidfd where the platform has them).
     */
    boolean signal(int signal);

    /**
     * {@link #signal(int)} by name: {@code signal(Signal.HUP)}.
     *
     * @since 3.0
     */
    default boolean signal(Signal signal) {
        return signal(signal.number());
    }

    /**
     * Ends the process with the quit sequence of {@link #stop(StopOptions)}
     * and the factory's timeouts ({@code stop.grace.seconds} of
     * {@code io.corral.process}, 5 s by default): QUIT on its port or SIGTERM
     * at once, then SIGTERM, then SIGKILL. It returns at once; a plain
     * program that leaves at SIGTERM has usually gone within milliseconds.
     * Joins a stop under way, as {@link #stop(StopOptions)} does.
     *
     * @return completes with the exit status, as {@link #onExit()}
     * @since 3.0
     */
    default CompletionStage<ExitStatus> destroy() {
        return stop(StopOptions.builder().build());
    }

    /**
     * SIGKILL now. In a pid namespace of its own, every process in it goes
     * too (Corral's init is what it kills). It returns at once.
     *
     * @return completes with the exit status, as {@link #onExit()}
     * @since 3.0
     */
    default CompletionStage<ExitStatus> destroyForcibly() {
        signal(Signal.KILL);
        return onExit();
    }

    /**
     * The id of the bundle that spawned it through its {@link ProcessFactory};
     * the bundle's {@link ProcessFactory#processes()} lists it. -1 where no
     * bundle owns it.
     *
     * @since 3.0
     */
    default long ownerBundleId() {
        return -1;
    }

    /**
     * Asks the process to quit, in NGINX Unit's order, and escalates while it
     * does not: a QUIT message on its port when it speaks the port protocol
     * (it said PROCESS_READY there), else SIGTERM at once; after a QUIT,
     * SIGTERM once {@link StopOptions#quitTimeout()} has passed; after
     * SIGTERM, SIGKILL once {@link StopOptions#killTimeout()} has passed. The
     * waits run on one timer thread of the factory, not on the caller's.
     *
     * <p>One stop per process: a call while a stop is under way does not
     * start the escalation again nor change its timeouts; it joins it (its
     * listener is told of the steps still to come). A call after the exit
     * completes at once.
     *
     * @return completes with the exit status, as {@link #onExit()}
     * @since 1.3
     */
    CompletionStage<ExitStatus> stop(StopOptions options);

    /**
     * {@link #stop(StopOptions)} with these timeouts and no listener.
     *
     * @since 1.3
     */
    default CompletionStage<ExitStatus> stop(java.time.Duration quitTimeout, java.time.Duration killTimeout) {
        return stop(StopOptions.of(quitTimeout, killTimeout));
    }

    /**
     * The limits and cgroup it was given.
     *
     * @since 2.0
     */
    io.corral.api.isolation.Resources resources();

    /**
     * What its cgroup holds and uses now: processes, memory, OOM kills; empty
     * once it has exited, or where the provider gives it no cgroup.
     *
     * @since 2.0
     */
    Optional<io.corral.api.isolation.ResourceUsage> usage();

    // ---- standard streams (since 3.0): usable where the spec's Stdio made them a PIPE ----

    /**
     * The child's stdin, blocking as {@link Process#getOutputStream()};
     * closing it delivers end of file to the child.
     *
     * @throws IllegalStateException when stdin is not a {@link Stdio.Redirect#PIPE}, naming its redirect
     * @since 3.0
     */
    default java.io.OutputStream stdin() {
        throw new IllegalStateException("stdin of " + name() + " is not a PIPE");
    }

    /**
     * The child's stdout, blocking as {@link Process#getInputStream()}.
     *
     * @throws IllegalStateException when stdout is not a {@link Stdio.Redirect#PIPE}, naming its
     *         redirect, or a {@link StreamHandler} reads it
     * @since 3.0
     */
    default java.io.InputStream stdout() {
        throw new IllegalStateException("stdout of " + name() + " is not a PIPE");
    }

    /**
     * The child's stderr, as {@link #stdout()}.
     *
     * @since 3.0
     */
    default java.io.InputStream stderr() {
        throw new IllegalStateException("stderr of " + name() + " is not a PIPE");
    }

    /**
     * Lets {@code handler} read the piped stdout and stderr and feed stdin on
     * the factory's one stream thread, from now on (output the child wrote
     * before waits in the pipe). Once per process.
     *
     * @throws IllegalStateException when no stream is a PIPE, a handler was
     *         given already, or a blocking stream of this process was taken
     * @since 3.0
     */
    default void handleStreams(StreamHandler handler) {
        throw new IllegalStateException(name() + " has no piped stream");
    }

    /**
     * Asks for {@link StreamHandler#onStdinReady} once the piped stdin can
     * take more.
     *
     * @since 3.0
     */
    default void wantWrite() {
        throw new IllegalStateException("stdin of " + name() + " is not a PIPE");
    }

    /**
     * Closes the piped stdin once what the handler gave was written: the
     * child reads end of file. A no-op when stdin is not a pipe or is closed.
     *
     * @since 3.0
     */
    default void closeStdin() {
    }

    /**
     * This process as a {@link Process}, for code written for
     * {@link ProcessBuilder}: its streams are {@link #stdin()},
     * {@link #stdout()} and {@link #stderr()} where piped, else null streams
     * as {@link ProcessBuilder.Redirect} gives them; {@code destroy()} stops
     * it (the quit sequence), {@code destroyForcibly()} kills it.
     *
     * @since 3.0
     */
    default Process asProcess() {
        throw new UnsupportedOperationException("asProcess");
    }
}
