package io.corral.shell.command;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * {@code corral:logs -f}: copies what is appended to a log as it comes, as
 * {@code tail -F} does: a log rotated away is read to its end and the new
 * file from its start; a truncated one from its new end. Ends when the
 * command is interrupted (Ctrl-C), the output is gone (the client left), or
 * the writer has ended and everything it wrote is copied.
 */
final class LogFollower {

    static final long POLL_MILLIS = 100;

    private final Path file;
    private final PrintStream out;
    private final BooleanSupplier writerEnded;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private FileChannel channel;
    private Object key;

    LogFollower(Path file, PrintStream out, BooleanSupplier writerEnded) {
        this.file = file;
        this.out = out;
        this.writerEnded = writerEnded;
    }

    /** Follows from {@code position} of the file until the end described above. */
    void follow(long position) throws IOException {
        try {
            open(position);
            while (!Thread.currentThread().isInterrupted() && !out.checkError()) {
                boolean ended = writerEnded.getAsBoolean();
                boolean copied = copy();
                if (rotated()) {
                    copy(); // the rest of the old file, then the new one from its start
                    open(0);
                    continue;
                }
                if (ended && !copied) {
                    return;
                }
                if (!copied) {
                    try {
                        Thread.sleep(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        return; // Ctrl-C: the command ends, quietly
                    }
                }
            }
        } finally {
            if (channel != null) {
                channel.close();
            }
        }
    }

    private void open(long position) throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            channel.position(Math.min(position, channel.size()));
        } catch (NoSuchFileException e) {
            key = null; // not there yet: looked for again on the next round
        }
    }

    /** Copies what is new; true when there was something. */
    private boolean copy() throws IOException {
        if (channel == null) {
            if (Files.exists(file)) {
                open(0);
            }
            if (channel == null) {
                return false;
            }
        }
        if (channel.size() < channel.position()) {
            channel.position(channel.size()); // truncated: what comes next is new
        }
        boolean any = false;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n <= 0) {
                break;
            }
            out.write(buffer.array(), 0, n);
            any = true;
        }
        if (any) {
            out.flush();
        }
        return any;
    }

    private boolean rotated() {
        if (channel == null) {
            return false;
        }
        try {
            return !Objects.equals(key, Files.readAttributes(file, BasicFileAttributes.class).fileKey());
        } catch (IOException e) {
            return false; // gone for a moment: the rotation finishes, then the new file is seen
        }
    }
}
