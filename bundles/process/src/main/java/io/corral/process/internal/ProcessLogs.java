package io.corral.process.internal;

import io.corral.api.process.SpawnException;
import io.corral.api.process.Stdio;
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
        final int[] descriptors;
        private Path log;

        private Streams(int in, int out, int err, Path log) {
            this.descriptors = new int[] {in, out, err};
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
            closeOwned(descriptors[0], -1);
            closeOwned(descriptors[1], -1);
            closeOwned(descriptors[2], descriptors[1]);
        }
    }

    /** Closes a descriptor of one spawn, unless it is the shared /dev/null or {@code same}. */
    private void closeOwned(int fd, int same) {
        if (fd != devNull && fd != same) {
            Posix.closeQuietly(fd);
        }
    }

    Streams open(String name, Stdio stdio) throws SpawnException {
        int in = -1;
        int out = -1;
        int err = -1;
        Path log = null;
        try {
            in = stdio.input() == null || stdio.input().equals(DEV_NULL) ? devNull
                : Posix.open(stdio.input().toString(), Posix.O_RDONLY, 0);
            if (stdio.output() == null || stdio.error() == null) {
                LogFiles.directory(directory);
                log = directory.resolve(safe(name) + ".starting-" + sequence.incrementAndGet() + ".log");
            }
            out = stdio.output() != null ? append(stdio.output()) : append(log);
            err = stdio.error() != null ? append(stdio.error()) : (stdio.output() == null ? out : append(log));
            return new Streams(in, out, err, log);
        } catch (IOException e) {
            closeOwned(in, -1);
            closeOwned(out, -1);
            closeOwned(err, out);
            throw new SpawnException("opening standard streams", e instanceof PosixException pe ? pe.errno() : 0,
                "opening standard streams of \"" + name + "\": " + e.getMessage());
        }
    }

    private int append(Path file) throws PosixException {
        if (file.equals(DEV_NULL)) {
            return devNull;
        }
        return Posix.open(file.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, 0640);
    }

    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
