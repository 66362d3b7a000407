package io.corral.process.internal;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.StreamHandler;
import io.corral.log.Log;
import io.corral.posix.Epoll;
import io.corral.posix.PosixException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives every {@link StreamHandler} of the factory on one thread with one
 * epoll instance: no thread per stream or per process. Started with the
 * first handler, ended with the factory.
 */
final class StreamPump {

    private static final Log LOG = Log.of(StreamPump.class);
    private static final int BUFFER_SIZE = 16384;

    private final Map<Long, Pumped> pumped = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    /** Work for the thread besides ready pipes: output drained at an exit before a handler came. */
    private final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Epoll epoll;
    private Thread thread;
    private boolean closed;

    /** One pipe end a handler uses. */
    private final class Pumped {
        final long token;
        final PipeEnd end;
        final int fd;
        final int slot;
        final ManagedProcess process;
        final StreamHandler handler;
        final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        /** stdin: the handler wants to write; closing asked for (guarded by this). */
        boolean wantWrite;
        boolean closeAsked;

        Pumped(long token, PipeEnd end, int slot, ManagedProcess process, StreamHandler handler) {
            this.token = token;
            this.end = end;
            this.fd = end.fd();
            this.slot = slot;
            this.process = process;
            this.handler = handler;
            if (slot == 0) {
                buffer.flip(); // nothing pending
            }
        }
    }

    /** Hands {@code end} (stream {@code slot}: 0 stdin, 1 stdout, 2 stderr) to {@code handler}; returns its token. */
    synchronized long add(PipeEnd end, int slot, ManagedProcess process, StreamHandler handler) throws IOException {
        try {
            start();
            long token = tokens.incrementAndGet();
            Pumped p = new Pumped(token, end, slot, process, handler);
            pumped.put(token, p);
            // stdin is watched for hang-up only, until the handler wants to write.
            epoll.add(p.fd, token, slot == 0 ? 0 : Epoll.IN);
            return token;
        } catch (PosixException e) {
            throw new IOException("watching " + end.stream + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hands the handler what was drained from {@code end} after the exit,
     * then its end of file, on the stream thread, as if it had been read there.
     */
    synchronized void addDrained(PipeEnd end, int slot, ManagedProcess process, StreamHandler handler)
            throws IOException {
        try {
            start();
        } catch (PosixException e) {
            throw new IOException("handing on " + end.stream + ": " + e.getMessage(), e);
        }
        tasks.add(() -> {
            ByteBuffer b = ByteBuffer.allocate(BUFFER_SIZE);
            try {
                while (true) {
                    int n = end.read(b.array(), b.position(), b.remaining());
                    boolean eof = n <= 0; // drained output is all in memory: nothing more will come
                    if (!eof) {
                        b.position(b.position() + n);
                    }
                    b.flip();
                    if (slot == 1) {
                        handler.onStdout(process, b, eof);
                    } else {
                        handler.onStderr(process, b, eof);
                    }
                    if (eof) {
                        break;
                    }
                    b.clear();
                }
            } catch (IOException | RuntimeException ex) {
                LOG.error("stream handler of " + process + " failed on " + end.stream, ex);
            } finally {
                end.close();
            }
        });
        epoll.wakeup();
    }

    /** The handler of stdin {@code token} wants {@link StreamHandler#onStdinReady}. */
    void wantWrite(long token) {
        Pumped p = pumped.get(token);
        if (p != null) {
            synchronized (p) {
                p.wantWrite = true;
                arm(p, Epoll.OUT);
            }
        }
    }

    /** Closes stdin {@code token} once what is pending was written. */
    void closeStdin(long token) {
        Pumped p = pumped.get(token);
        if (p != null) {
            synchronized (p) {
                p.closeAsked = true;
                arm(p, Epoll.OUT);
            }
        }
    }

    private void arm(Pumped p, int events) {
        try {
            epoll.modify(p.fd, p.token, events);
        } catch (PosixException e) {
            finish(p); // closed already
        }
    }

    private void start() throws PosixException {
        if (closed) {
            throw new PosixException("the process factory is stopping", io.corral.posix.Posix.EBADF);
        }
        if (thread == null) {
            epoll = Epoll.create(64);
            thread = new Thread(this::run, "corral-streams");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void run() {
        Epoll e = epoll;
        try {
            while (!closedNow()) {
                int n = e.await(-1);
                for (Runnable task; (task = tasks.poll()) != null;) {
                    task.run();
                }
                for (int i = 0; i < n; i++) {
                    Pumped p = pumped.get(e.token(i));
                    if (p != null) {
                        ready(p, e.events(i));
                    }
                }
            }
        } catch (PosixException ex) {
            LOG.error("stream thread: " + ex.getMessage());
        } finally {
            pumped.values().forEach(this::finish);
            e.close();
        }
    }

    private synchronized boolean closedNow() {
        return closed;
    }

    private void ready(Pumped p, int events) {
        try {
            if (p.slot == 0) {
                writable(p, events);
            } else {
                readable(p);
            }
        } catch (RuntimeException ex) {
            LOG.error("stream handler of " + p.process + " failed on " + p.end.stream + "; the stream is closed", ex);
            finish(p);
        }
    }

    private void readable(Pumped p) {
        ByteBuffer b = p.buffer;
        int n;
        try {
            n = p.end.read(b.array(), b.position(), b.remaining());
        } catch (IOException ex) {
            n = -1;
        }
        if (n == 0) {
            return;
        }
        boolean eof = n < 0;
        if (!eof) {
            b.position(b.position() + n);
        }
        b.flip();
        if (p.slot == 1) {
            p.handler.onStdout(p.process, b, eof);
        } else {
            p.handler.onStderr(p.process, b, eof);
        }
        if (eof) {
            finish(p);
        } else if (b.position() == 0 && b.limit() == b.capacity()) {
            b.clear(); // a full buffer the handler did not read from
        } else {
            b.compact();
        }
    }

    private void writable(Pumped p, int events) {
        if ((events & (Epoll.HUP | Epoll.ERR)) != 0) {
            finish(p); // the child closed its stdin
            return;
        }
        ByteBuffer b = p.buffer;
        boolean want;
        synchronized (p) {
            want = p.wantWrite;
        }
        try {
            while (true) {
                if (!b.hasRemaining()) {
                    if (!want) {
                        break;
                    }
                    b.clear();
                    boolean again = p.handler.onStdinReady(p.process, b);
                    b.flip();
                    if (!again) {
                        synchronized (p) {
                            p.wantWrite = false;
                        }
                        want = false;
                    }
                    if (!b.hasRemaining()) {
                        break;
                    }
                }
                int n = p.end.write(b.array(), b.position(), b.remaining());
                b.position(b.position() + n);
                if (n == 0) {
                    return; // full: OUT stays armed
                }
            }
        } catch (IOException ex) {
            finish(p);
            return;
        }
        // Read after the handler ran: it may have asked for the close, or for more, meanwhile.
        // Under the lock that wantWrite and closeStdin take to arm it, so no request is lost.
        boolean close;
        synchronized (p) {
            close = p.closeAsked;
            if (!close && !p.wantWrite) {
                arm(p, 0);
            }
        }
        if (close) {
            finish(p);
        }
    }

    /** Stops watching and closes the end. */
    private void finish(Pumped p) {
        if (pumped.remove(p.token) != null) {
            Epoll e = epoll;
            if (e != null) {
                e.remove(p.fd);
            }
            p.end.close();
        }
    }

    /** Ends the thread; every end it pumps is closed. */
    void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            epoll.wakeup();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
