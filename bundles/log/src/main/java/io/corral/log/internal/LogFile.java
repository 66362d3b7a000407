package io.corral.log.internal;

import io.corral.log.LogFiles;
import io.corral.log.LogRotation;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A log with one writer: appended to record by record (one write each, so
 * nothing is left in a buffer when the JVM dies), created as
 * {@link LogFiles} says, and rotated as soon as a record takes
 * it past the cap. Not thread-safe: the writer holds its lock.
 */
final class LogFile implements Closeable {

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
        channel = FileChannel.open(LogFiles.create(path), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
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
}
