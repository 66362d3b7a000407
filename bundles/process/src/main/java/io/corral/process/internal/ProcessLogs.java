package io.corral.process.internal;

import io.corral.api.process.SpawnException;
import io.corral.api.isolation.Launch;
import io.corral.api.process.Stdio;
import io.corral.api.process.Stdio.Redirect;
import io.corral.log.LogFiles;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens a process's standard streams. By default output and error go to one
 * log file per process under the instance's {@code log/processes}; the child
 * writes to it directly, so no JVM thread copies output and no line is lost.
 */
final class ProcessLogs {

    private static final Path DEV_NULL = Path.of("/dev/null");

    private final Path directory;
    private final AtomicLong sequence = new AtomicLong();
    /** One /dev/null for every child that reads or writes nothing: no open and close per spawn. */
    private final int devNull;

    ProcessLogs(Path directory) throws PosixException {
        this.directory = directory;
        this.devNull = Posix.open(DEV_NULL.toString(), Posix.O_RDWR, 0);
    }

    void close() {
        Posix.closeQuietly(devNull);
    }

    /** The descriptors of one spawn; close them once the child has its copies. */
    final class Streams implements AutoCloseable {
        /** The child's 0, 1, 2: descriptors, or {@link Launch#PIPE} / {@link Launch#SAME_AS_OUTPUT}. */
        final int[] descriptors;
        /** What this spawn opened itself: closed once the child has its copies. */
        private final int[] owned;
        private Path log;

        private Streams(int[] descriptors, int[] owned, Path log) {
            this.descriptors = descriptors;
            this.owned = owned;
            this.log = log;
        }

        Path log() {
            return log;
        }

        /** Gives the log file its final name once the pid is known. */
        Path rename(String name, int pid) {
            if (log == null) {
                return null;
            }
            Path target = directory.resolve(safe(name) + "-" + pid + ".log");
            try {
                Files.move(log, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                log = target;
            } catch (IOException e) {
                // Keep the first name: the process still writes to it.
            }
            return log;
        }

        /** Removes the log of a spawn that failed, unless something was written to it. */
        void discard() {
            try {
                if (log != null && Files.size(log) == 0) {
                    Files.delete(log);
                }
            } catch (IOException e) {
                // Nothing to clean up.
            }
        }

        @Override
        public void close() {
            Posix.closeQuietly(owned);
        }
    }

    /**
     * Opens what the child's standard streams need: files, the log file,
     * the shared /dev/null; a pipe is left to the provider ({@link Launch#PIPE}),
     * so nothing here blocks on one.
     */
    Streams open(String name, Stdio stdio) throws SpawnException {
        int[] fds = {-1, -1, -1};
        int[] owned = {-1, -1, -1};
        Path log = null;
        String stream = "input";
        try {
            Redirect out = stdio.output();
            Redirect err = stdio.redirectErrorStream() ? null : stdio.error();
            if (out.type() == Redirect.Type.LOG || (err != null && err.type() == Redirect.Type.LOG)) {
                LogFiles.directory(directory);
                log = directory.resolve(safe(name) + ".starting-" + sequence.incrementAndGet() + ".log");
            }
            fds[0] = descriptor(stdio.input(), 0, null, owned);
            stream = "output";
            fds[1] = descriptor(out, 1, log, owned);
            stream = "error";
            if (err == null) {
                fds[2] = Launch.SAME_AS_OUTPUT;
            } else if (err.type() == Redirect.Type.LOG && out.type() == Redirect.Type.LOG) {
                fds[2] = fds[1]; // one open file for both: their lines stay in order
            } else {
                fds[2] = descriptor(err, 2, log, owned);
            }
            return new Streams(fds, owned, log);
        } catch (IOException e) {
            Posix.closeQuietly(owned);
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // nothing was written to it
                }
            }
            throw new SpawnException("opening standard streams", e instanceof PosixException pe ? pe.errno() : 0,
                "opening " + stream + " of \"" + name + "\": " + e.getMessage());
        }
    }

    /** The child's descriptor {@code slot} for {@code r}; what it opens goes into {@code owned}. */
    private int descriptor(Redirect r, int slot, Path log, int[] owned) throws PosixException {
        return switch (r.type()) {
            case PIPE -> Launch.PIPE;
            case INHERIT -> slot; // the container's own stream of that number
            case DISCARD -> devNull;
            case LOG -> owned[slot] = append(log);
            case READ -> r.file().get().equals(DEV_NULL) ? devNull
                : (owned[slot] = Posix.open(r.file().get().toString(), Posix.O_RDONLY, 0));
            case APPEND -> r.file().get().equals(DEV_NULL) ? devNull : (owned[slot] = append(r.file().get()));
            case WRITE -> r.file().get().equals(DEV_NULL) ? devNull : (owned[slot] = Posix.open(
                r.file().get().toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC, 0640));
        };
    }

    private static int append(Path file) throws PosixException {
        return Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, 0640);
    }

    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
