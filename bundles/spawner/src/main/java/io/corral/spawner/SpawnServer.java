package io.corral.spawner;

import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.Launched;
import io.corral.posix.Packet;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running {@code corral-spawnd}: the process, its control socket, and the
 * one thread that reads its replies and exit reports. See
 * {@code docs/spawnd-protocol.md}.
 */
final class SpawnServer {

    static final int MODE_CLONE = 1;
    static final int MODE_FORK = 2;

    private static final int HELLO = 100;
    private static final int SPAWNED = 101;
    private static final int FAILED = 102;
    private static final int EXITED = 103;
    private static final int ADOPT = 2;
    private static final int DETACH = 3;
    private static final long SPAWN_TIMEOUT_SECONDS = 30;
    /** The step of a request that never reached the server: safe to send again to a new one. */
    static final String SEND_STEP = "sending the spawn request";

    /** What the server tells its owner; called on the reader thread. */
    interface Events {
        /** A process the server created or adopted has ended. */
        void exited(int pid, int code, int signal, boolean known);

        /** A SPAWN succeeded; called before the spawning caller returns, so no exit can come first. */
        void spawned(int requestId, Launched launched);

        /** The server is gone (killed, crashed, or detached). */
        void ended(SpawnServer server, boolean detached);
    }

    private final SeqPacketSocket socket;
    private final int pid;
    private final int mode;
    private final int supportedNamespaces;
    private final Events events;
    private final Map<Integer, CompletableFuture<Launched>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger requestIds = new AtomicInteger();
    private volatile boolean detached;

    private SpawnServer(SeqPacketSocket socket, int pid, int mode, int supportedNamespaces, Events events) {
        this.socket = socket;
        this.pid = pid;
        this.mode = mode;
        this.supportedNamespaces = supportedNamespaces;
        this.events = events;
    }

    /**
     * Starts a server and reads its HELLO. The reader thread is not started
     * yet: the caller may {@link #adopt} first, then {@link #startReading}.
     */
    static SpawnServer start(Path binary, String mode, Path log, Events events) throws IsolationException {
        int[] sv;
        try {
            sv = SeqPacketSocket.rawPair();
        } catch (PosixException e) {
            throw new IsolationException("starting the spawn server", e.errno(), "starting the spawn server: "
                + e.getMessage());
        }
        SeqPacketSocket socket = SeqPacketSocket.wrap(sv[0]);
        int devnull = -1;
        int logFd = -1;
        int pid = -1;
        try {
            devnull = Posix.open("/dev/null", Posix.O_RDWR, 0);
            logFd = Posix.open(log.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, 0600);
            pid = Posix.spawn(binary.toString(), List.of("corral-spawnd", mode), List.of(),
                devnull, devnull, logFd, sv[1]);
        } catch (PosixException e) {
            socket.close();
            throw new IsolationException("starting the spawn server", e.errno(), "starting the spawn server "
                + binary + ": " + e.getMessage());
        } finally {
            Posix.closeQuietly(devnull);
            Posix.closeQuietly(logFd);
            Posix.closeQuietly(sv[1]);
        }
        try {
            socket.allowMaxPacket();
            Packet hello = socket.receive();
            if (hello == null) {
                throw new PosixException("reading HELLO from the spawn server", 32 /* EPIPE */);
            }
            hello.closeDescriptors();
            ByteBuffer b = hello.data();
            if (b.remaining() < 20 || b.getInt() != HELLO) {
                throw new PosixException("reading HELLO from the spawn server: unexpected message", Posix.EINVAL);
            }
            int version = b.getInt();
            if (version != 1) {
                throw new PosixException("spawn server speaks protocol " + version + ", expected 1", Posix.EINVAL);
            }
            int serverMode = b.getInt();
            int namespaces = b.getInt();
            return new SpawnServer(socket, pid, serverMode, namespaces, events);
        } catch (PosixException e) {
            socket.close();
            Posix.killAndReap(pid);
            throw new IsolationException("starting the spawn server", e.errno(), "starting the spawn server: "
                + e.getMessage() + " (see " + log + ")");
        }
    }

    void startReading(String name) {
        Thread reader = new Thread(this::read, name);
        reader.setDaemon(true);
        reader.start();
    }

    int pid() {
        return pid;
    }

    int mode() {
        return mode;
    }

    int supportedNamespaces() {
        return supportedNamespaces;
    }

    int nextRequestId() {
        return requestIds.incrementAndGet();
    }

    /** Sends a SPAWN and waits for its answer. The descriptors stay the caller's. */
    Launched spawn(int requestId, ByteBuffer request, int[] descriptors) throws IsolationException {
        CompletableFuture<Launched> answer = new CompletableFuture<>();
        pending.put(requestId, answer);
        try {
            socket.send(request, descriptors);
            return answer.get(SPAWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (PosixException e) {
            throw new IsolationException(SEND_STEP, e.errno(), SEND_STEP + ": " + e.getMessage());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IsolationException ie) {
                throw ie;
            }
            throw new IsolationException("spawn", e.getCause().toString());
        } catch (TimeoutException e) {
            throw new IsolationException("spawn", "the spawn server did not answer within "
                + SPAWN_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IsolationException("spawn", "interrupted while waiting for the spawn server");
        } finally {
            pending.remove(requestId);
        }
    }

    /** Asks the server to watch a process it did not create. */
    void adopt(int childPid, int pidfd) throws PosixException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(ADOPT).putInt(childPid).flip();
        socket.send(b, pidfd);
    }

    /** Lets the server exit without killing its children (another server adopts them). */
    void detach() {
        detached = true;
        try {
            socket.send(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(DETACH).flip());
        } catch (PosixException e) {
            // Already gone: the reader thread reaps it.
        }
    }

    /**
     * Closes the control socket: the server kills every process it watches
     * and exits; the reader thread reaps it.
     */
    void shutdown() {
        socket.shutdown();
    }

    private void read() {
        try {
            while (true) {
                Packet p = socket.receive();
                if (p == null) {
                    break;
                }
                dispatch(p);
            }
        } catch (PosixException e) {
            System.err.println("corral: reading from spawn server " + pid + ": " + e.getMessage());
        } finally {
            socket.close();
            reap();
            IsolationException gone = new IsolationException("spawn", "the spawn server (pid " + pid + ") ended");
            pending.values().forEach(f -> f.completeExceptionally(gone));
            events.ended(this, detached);
        }
    }

    private void reap() {
        try {
            Posix.waitpid(pid, false);
        } catch (PosixException e) {
            // ECHILD: someone else reaped it; nothing is left behind either way.
        }
    }

    private void dispatch(Packet p) {
        ByteBuffer b = p.data();
        int[] fds = p.descriptors();
        int type = b.remaining() >= 4 ? b.getInt() : -1;
        switch (type) {
            case SPAWNED -> {
                int requestId = b.getInt();
                int childPid = b.getInt();
                int nsPid = b.getInt();
                Launched launched = new Launched(childPid, nsPid, fds.length > 0 ? fds[0] : -1);
                events.spawned(requestId, launched);
                CompletableFuture<Launched> f = pending.get(requestId);
                if (f != null) {
                    f.complete(launched);
                }
            }
            case FAILED -> {
                p.closeDescriptors();
                int requestId = b.getInt();
                int errno = b.getInt();
                b.getInt(); // the child's pid, already reaped by the server
                String step = cString(b);
                String message = errno != 0 ? step + ": " + Posix.strerror(errno) : step;
                CompletableFuture<Launched> f = pending.get(requestId);
                if (f != null) {
                    f.completeExceptionally(new IsolationException(step, errno, message));
                }
            }
            case EXITED -> {
                p.closeDescriptors();
                int childPid = b.getInt();
                int code = b.getInt();
                int signal = b.getInt();
                boolean known = b.getInt() != 0;
                events.exited(childPid, code, signal, known);
            }
            default -> {
                p.closeDescriptors();
                System.err.println("corral: spawn server " + pid + " sent unknown message type " + type);
            }
        }
    }

    private static String cString(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        return new String(b.array(), b.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
    }
}
