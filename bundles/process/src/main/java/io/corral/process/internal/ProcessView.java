package io.corral.process.internal;

import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ManagedProcessImpl} as a {@link Process}, so that code written for
 * {@link ProcessBuilder} (Commons Exec, zt-exec, tests) works unchanged.
 * Streams that are no pipe are null streams, as {@link ProcessBuilder.Redirect}
 * leaves them: reading gives end of file, writing fails.
 */
final class ProcessView extends Process {

    private final ManagedProcessImpl process;
    private final ProcessStreams streams;
    private OutputStream stdin;
    private InputStream stdout;
    private InputStream stderr;

    ProcessView(ManagedProcessImpl process, ProcessStreams streams) {
        this.process = process;
        this.streams = streams;
    }

    @Override
    public synchronized OutputStream getOutputStream() {
        if (stdin == null) {
            stdin = streams != null && streams.piped(0) ? streams.stdin() : NullOutput.INSTANCE;
        }
        return stdin;
    }

    @Override
    public synchronized InputStream getInputStream() {
        if (stdout == null) {
            stdout = streams != null && streams.piped(1) ? streams.stdout() : InputStream.nullInputStream();
        }
        return stdout;
    }

    @Override
    public synchronized InputStream getErrorStream() {
        if (stderr == null) {
            stderr = streams != null && streams.piped(2) ? streams.stderr() : InputStream.nullInputStream();
        }
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        return process.waitFor().value();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        return process.waitFor(Duration.ofNanos(unit.toNanos(timeout))).isPresent();
    }

    @Override
    public int exitValue() {
        return process.exitStatus().map(ExitStatus::value)
            .orElseThrow(() -> new IllegalThreadStateException(process + " has not exited"));
    }

    /** The quit sequence (QUIT or SIGTERM, then SIGKILL), as {@link ManagedProcess#destroy()}. */
    @Override
    public void destroy() {
        process.destroy();
    }

    @Override
    public Process destroyForcibly() {
        process.destroyForcibly();
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        return process.alive();
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return process.onExit().toCompletableFuture().thenApply(s -> this);
    }

    @Override
    public ProcessHandle toHandle() {
        return ProcessHandle.of(process.pid()).orElseThrow(() -> new IllegalStateException(process
            + " has no process handle (it has exited)"));
    }

    @Override
    public String toString() {
        return "Process[" + process + "]";
    }

    /** Where writes go when stdin is no pipe: nowhere, as ProcessBuilder's null output stream. */
    private static final class NullOutput extends OutputStream {
        static final NullOutput INSTANCE = new NullOutput();

        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed: stdin is not a PIPE");
        }
    }
}
