package io.corral.log;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The modes of the instance's logs, whatever the umask: files 0640 and
 * directories 0750, so that the owner and the group (an operators' group,
 * say) read them and other users do not. What a process prints may be
 * secret: its environment, a failed connection string.
 */
public final class LogFiles {

    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r-----");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-x---");

    private LogFiles() {
    }

    /** Makes the directory (and missing parents) 0750 unless it exists. */
    public static Path directory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
        }
        return dir;
    }

    /**
     * Creates the log 0640 before anyone writes to it; an existing one that
     * others may read (made by hand, or by an older version) is closed to them.
     */
    public static Path create(Path file) throws IOException {
        directory(file.getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
        } catch (FileAlreadyExistsException e) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.retainAll(FILE)) {
                Files.setPosixFilePermissions(file, mode);
            }
        }
        return file;
    }
}
