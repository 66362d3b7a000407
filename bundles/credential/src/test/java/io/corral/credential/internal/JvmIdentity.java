package io.corral.credential.internal;

import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The JVM's own identity, to compare before and after a lookup: what
 * getuid/geteuid/getgid/getegid/getgroups say in this thread, and the
 * Uid/Gid/Groups lines of every thread (the kernel keeps ids per thread).
 */
record JvmIdentity(int uid, int euid, int gid, int egid, List<Integer> groups, Set<String> threadCredentials) {

    static JvmIdentity now() {
        int[] groups;
        try {
            groups = Posix.getgroups();
        } catch (PosixException e) {
            throw new AssertionError(e.getMessage(), e);
        }
        Arrays.sort(groups);
        return new JvmIdentity(Posix.getuid(), Posix.geteuid(), Posix.getgid(), Posix.getegid(),
            Arrays.stream(groups).boxed().toList(), readThreadCredentials());
    }

    /** The distinct Uid, Gid and Groups lines over all threads of this process. */
    private static Set<String> readThreadCredentials() {
        Set<String> lines = new TreeSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("Uid:") || line.startsWith("Gid:") || line.startsWith("Groups:")) {
                            lines.add(line.replaceAll("\\s+", " ").trim());
                        }
                    }
                } catch (NoSuchFileException e) {
                    // The thread ended while we listed: it has no identity left to compare.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }
}
