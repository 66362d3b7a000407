package io.corral.log.internal;

import io.corral.log.LogRotation;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A log with one writer: appended to record by record (one write each, so
 * nothing is left in a buffer when the JVM dies), created owner-and-group
 * readable (0640) whatever the umask, and rotated as soon as a record takes
 * it past the cap. Not thread-safe: the writer holds its lock.
 */
final class LogFile implements Closeable {

    static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-r-----");
    /** The directory: the group may list it, others may not enter. */
    static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-x---");

    private final Path path;
    private final LogRotation rotation;
    private FileChannel channel;
    private long size;

    LogFile(Path path, LogRotation rotation) {
        this.path = path;
        this.rotation = rotation;
    }

    Path path() {
        return path;
    }

    void append(String record) throws IOException {
        if (channel == null) {
            open();
        }
        ByteBuffer bytes = ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            size += channel.write(bytes);
        }
        if (size > rotation.maxBytes()) {
            close();
            rotation.rotateIfLarger(path);
        }
    }

    private void open() throws IOException {
        if (!Files.isDirectory(path.getParent())) {
            Files.createDirectories(path.getParent(), attribute(DIRECTORY_MODE));
        }
        channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND), attribute(MODE));
        // Made by an older Corral, or by hand: no more than owner and group may read it.
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
        if (!MODE.containsAll(mode)) {
            mode.retainAll(MODE);
            Files.setPosixFilePermissions(path, mode);
        }
        size = channel.size();
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Every record was written when it came; nothing is left to lose.
            }
            channel = null;
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> mode) {
        return PosixFilePermissions.asFileAttribute(mode);
    }
}
