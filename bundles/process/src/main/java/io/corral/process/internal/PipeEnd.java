package io.corral.process.internal;

import io.corral.posix.PipeIo;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Corral's end of one pipe to a child: non-blocking, as the spawn server
 * handed it over. Read or written by one user at a time: a blocking stream
 * or the stream thread. The descriptor is closed once, under the lock, so a
 * number that is closed is never used again here.
 */
final class PipeEnd {

    /** How long a blocked reader or writer waits in the kernel before it looks at the stream again. */
    private static final int SLICE_MILLIS = 100;
    /** The most a drain after the exit keeps in memory (a grandchild may still write). */
    private static final int DRAIN_MAX = 1 << 20;

    final String stream;
    private final ReentrantLock lock = new ReentrantLock();
    /** -1 once closed (guarded by lock). */
    private int fd;
    private volatile boolean closed;
    /** Output read after the exit, served before the pipe (guarded by lock). */
    private byte[] drained = new byte[0];
    private int drainedAt;

    PipeEnd(String stream, int fd) {
        this.stream = stream;
        this.fd = fd;
    }

    boolean closed() {
        return closed;
    }

    /** The descriptor, for the stream thread's epoll; -1 once closed. */
    int fd() {
        return fd;
    }

    /** Reads what is there now: the count, -1 at end of file (the pipe is then closed), 0 if nothing. */
    int read(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (drainedAt < drained.length) {
                int n = Math.min(len, drained.length - drainedAt);
                System.arraycopy(drained, drainedAt, b, off, n);
                drainedAt += n;
                return n;
            }
            if (fd < 0) {
                return -1;
            }
            int n = PipeIo.read(fd, b, off, len);
            if (n < 0) {
                closeLocked();
            }
            return n;
        } catch (PosixException e) {
            throw new IOException(stream + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes what fits now: the count, 0 if the pipe is full. */
    int write(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (fd < 0) {
                throw new IOException(stream + " is closed");
            }
            return PipeIo.write(fd, b, off, len);
        } catch (PosixException e) {
            throw new IOException(stream + ": " + (e.errno() == Posix.EPIPE ? "the process closed it (" + e.getMessage()
                + ")" : e.getMessage()), e);
        } finally {
            lock.unlock();
        }
    }

    /** Waits a slice for the pipe to be ready; outside the lock, so a close is never held up. */
    void await(boolean output) throws IOException {
        int f = fd;
        if (f < 0) {
            return;
        }
        try {
            PipeIo.await(f, output, SLICE_MILLIS);
        } catch (PosixException e) {
            // Closed meanwhile (EBADF): the next read or write says so.
        }
    }

    /**
     * After the exit, as {@link Process} does: reads what the child left in
     * the pipe into memory and closes it when that reaches end of file, so an
     * unread pipe holds no descriptor. Skipped while a reader holds it (it
     * reads to the end itself).
     */
    void drain() {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (fd < 0) {
                return;
            }
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            kept.write(drained, drainedAt, drained.length - drainedAt);
            byte[] chunk = new byte[PipeIo.CHUNK];
            while (kept.size() < DRAIN_MAX) {
                int n = PipeIo.read(fd, chunk, 0, chunk.length);
                if (n < 0) {
                    closeLocked();
                    break;
                }
                if (n == 0) {
                    break; // a grandchild holds the other end: the rest comes through the pipe
                }
                kept.write(chunk, 0, n);
            }
            drained = kept.toByteArray();
            drainedAt = 0;
        } catch (PosixException e) {
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the descriptor; for stdin, the child reads end of file. Idempotent. */
    void close() {
        closed = true;
        lock.lock();
        try {
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets what was drained too: nobody will read it. */
    void discard() {
        lock.lock();
        try {
            closeLocked();
            drained = new byte[0];
            drainedAt = 0;
        } finally {
            lock.unlock();
        }
    }

    private void closeLocked() {
        if (fd >= 0) {
            Posix.closeQuietly(fd);
            fd = -1;
        }
    }

    /** A blocking view of a read end, as {@link Process#getInputStream()}. */
    InputStream inputStream() {
        return new InputStream() {
            private final byte[] one = new byte[1];

            @Override
            public int read() throws IOException {
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                while (true) {
                    if (closed) {
                        throw new IOException(stream + " is closed");
                    }
                    int n = PipeEnd.this.read(b, off, len);
                    if (n != 0) {
                        return n;
                    }
                    await(false);
                }
            }

            @Override
            public int available() {
                lock.lock();
                try {
                    return drained.length - drainedAt;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void close() {
                PipeEnd.this.close();
            }

            @Override
            public String toString() {
                return stream;
            }
        };
    }

    /** A blocking view of a write end, as {@link Process#getOutputStream()}; close() is end of file. */
    OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                int done = 0;
                while (done < len) {
                    if (closed) {
                        throw new IOException(stream + " is closed");
                    }
                    int n = PipeEnd.this.write(b, off + done, len - done);
                    done += n;
                    if (n == 0) {
                        await(true);
                    }
                }
            }

            @Override
            public void close() {
                PipeEnd.this.close();
            }

            @Override
            public String toString() {
                return stream;
            }
        };
    }

    @Override
    public String toString() {
        return stream + (closed ? " (closed)" : "") + " " + Arrays.toString(new int[] {fd});
    }
}
