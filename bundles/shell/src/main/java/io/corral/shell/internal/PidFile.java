package io.corral.shell.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** {@code run/corral.pid}: this JVM's pid, for {@code bin/corral status} and {@code stop}. */
final class PidFile {

    private final Path file;
    private final String pid = Long.toString(ProcessHandle.current().pid());

    PidFile(Path file) {
        this.file = file;
    }

    /** Written aside and renamed, so that a reader never sees half a pid; owner-only (0600), as all of run/. */
    void write() throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pid + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the file if it is still ours (another instance may have replaced it). */
    void remove() {
        try {
            if (Files.readString(file, StandardCharsets.UTF_8).trim().equals(pid)) {
                Files.delete(file);
            }
        } catch (IOException e) {
            // Gone already, or not ours.
        }
    }
}
