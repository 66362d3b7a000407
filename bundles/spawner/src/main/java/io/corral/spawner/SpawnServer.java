package io.corral.spawner;

import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.Launched;
import io.corral.posix.DescriptorsDroppedException;
import io.corral.posix.Packet;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running {@code corral-spawnd}: the process and its two sockets. The
 * control socket carries requests and their replies; the spawning thread
 * reads its own reply, so no other thread has to wake it. The events socket
 * carries exit reports, read by one reader thread for every child, unless
 * the server held them for the next reply to carry. See
 * {@code docs/spawnd-protocol.md}.
 */
final class SpawnServer {

    private static final int PROTOCOL_VERSION = 2;
    private static final int EXITED_STATUS_KNOWN = 1;
    private static final int EXITED_OOM_KILL = 2;
    private static final int HELLO = 100;
    private static final int SPAWNED = 101;
    private static final int FAILED = 102;
    private static final int EXITED = 103;
    private static final int ADOPT = 2;
    private static final int DETACH = 3;
    /** The server's descriptor for the events socket (the control socket is 3). */
    private static final int EVENTS_FD = 4;
    /**
     * How long the server may hold an exit report for the next spawn reply to
     * carry, so that under a stream of spawns the reader thread never wakes.
     * Threads in {@code waitFor} learn exits from pidfds and are not delayed;
     * the server holds nothing on kernels where they cannot (before 6.15).
     */
    static final int HOLD_EXITS_MILLIS = 2;
    /** The longest a spawn's answer may take; a server slower than that is taken for hung. */
    static final long REPLY_TIMEOUT_MILLIS = 10_000;
    /** The step of a request that never reached the server: safe to send again to a new one. */
    static final String SEND_STEP = "sending the spawn request";

    /** What the server tells its owner. */
    interface Events {
        /**
         * A process the server created or adopted has ended; called on the
         * reader thread. {@code oomKilled}: the OOM killer ended a process of its cgroup.
         */
        void exited(int pid, int code, int signal, boolean known, boolean oomKilled);

        /** A SPAWN succeeded; called on the spawning thread before the spawn returns. */
        void spawned(int requestId, Launched launched);

        /** The server is gone (killed, crashed, or detached); called on the reader thread. */
        void ended(SpawnServer server, boolean detached);
    }

    private final SeqPacketSocket control;
    private final SeqPacketSocket events;
    private final Object requestLock = new Object();
    private final int pid;
    private final int supportedNamespaces;
    private final Events listener;
    private final AtomicInteger requestIds = new AtomicInteger();
    private volatile boolean detached;

    private SpawnServer(SeqPacketSocket control, SeqPacketSocket events, int pid, int supportedNamespaces,
            Events listener) {
        this.control = control;
        this.events = events;
        this.pid = pid;
        this.supportedNamespaces = supportedNamespaces;
        this.listener = listener;
    }

    /**
     * Starts a server and reads its HELLO. The reader thread is not started
     * yet: the caller may {@link #adopt} first, then {@link #startReading}.
     */
    static SpawnServer start(Path binary, String mode, Path cgroup, Path log, Events listener)
            throws IsolationException {
        int[] control = null;
        int[] events = null;
        int devnull = -1;
        int logFd = -1;
        int pid;
        try {
            control = SeqPacketSocket.rawPair();
            events = SeqPacketSocket.rawPair();
            devnull = Posix.open("/dev/null", Posix.O_RDWR, 0);
            logFd = Posix.open(log.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, 0600);
            List<String> argv = new ArrayList<>(List.of("corral-spawnd", mode, "--events-fd",
                Integer.toString(EVENTS_FD), "--hold-exits", Integer.toString(HOLD_EXITS_MILLIS)));
            if (cgroup != null) {
                argv.addAll(List.of("--cgroup", cgroup.toString()));
            }
            pid = Posix.spawn(binary.toString(), argv, List.of(),
                devnull, devnull, logFd, control[1], events[1]);
        } catch (PosixException e) {
            // Our ends; the server's ends are closed below, once (a second close could hit a reused number).
            if (control != null) {
                Posix.closeQuietly(control[0]);
            }
            if (events != null) {
                Posix.closeQuietly(events[0]);
            }
            throw new IsolationException("starting the spawn server", e.errno(), "starting the spawn server "
                + binary + ": " + e.getMessage());
        } finally {
            Posix.closeQuietly(devnull);
            Posix.closeQuietly(logFd);
            if (control != null) {
                Posix.closeQuietly(control[1]);
            }
            if (events != null) {
                Posix.closeQuietly(events[1]);
            }
        }
        SeqPacketSocket controlSocket = SeqPacketSocket.wrap(control[0]);
        SeqPacketSocket eventsSocket = SeqPacketSocket.wrap(events[0]);
        try {
            controlSocket.allowMaxPacket();
            Packet hello = controlSocket.receive();
            if (hello == null) {
                throw new PosixException("reading HELLO from the spawn server", 32 /* EPIPE */);
            }
            hello.closeDescriptors();
            ByteBuffer b = hello.data();
            if (b.remaining() < 20 || b.getInt() != HELLO) {
                throw new PosixException("reading HELLO from the spawn server: unexpected message", Posix.EINVAL);
            }
            int version = b.getInt();
            if (version != PROTOCOL_VERSION) {
                throw new PosixException("spawn server speaks protocol " + version + ", expected "
                    + PROTOCOL_VERSION, Posix.EINVAL);
            }
            b.getInt(); // the mode, which we chose
            int namespaces = b.getInt();
            return new SpawnServer(controlSocket, eventsSocket, pid, namespaces, listener);
        } catch (PosixException e) {
            controlSocket.close();
            eventsSocket.close();
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

    int supportedNamespaces() {
        return supportedNamespaces;
    }

    int nextRequestId() {
        return requestIds.incrementAndGet();
    }

    /**
     * Sends a SPAWN and reads its answer. Exit reports the server held come
     * first on the same socket; they are handed on before the answer, on
     * this thread and outside the request lock (a handler may spawn), so a
     * pid that was reused by this spawn is never mixed up with the process
     * that had it. The descriptors stay the caller's.
     */
    Launched spawn(int requestId, ByteBuffer request, int[] descriptors, int[] slots) throws IsolationException {
        List<Exit> exits = new ArrayList<>(0);
        try {
            synchronized (requestLock) {
                try {
                    sendable();
                    control.send(request, descriptors);
                } catch (PosixException e) {
                    throw new IsolationException(SEND_STEP, e.errno(), SEND_STEP + ": " + e.getMessage());
                }
                // Answered under the lock: once the reader, after the server's end, holds it, every
                // process the server reported is known to the owner, and any other is an orphan.
                return answer(requestId, receiveReply(exits), slots);
            }
        } finally {
            for (Exit e : exits) {
                e.tell(listener);
            }
        }
    }

    /** The next message that is not an exit report; exit reports before it go to {@code exits}. */
    private Packet receiveReply(List<Exit> exits) throws IsolationException {
        while (true) {
            Packet p;
            try {
                p = control.receive(REPLY_TIMEOUT_MILLIS);
            } catch (DescriptorsDroppedException e) {
                throw lostPidfd(e);
            } catch (PosixException e) {
                if (e.errno() == Posix.EAGAIN) {
                    // A server that does not answer is broken: its end starts a new one.
                    kill();
                    throw new IsolationException("reading the spawn reply", e.errno(), "the spawn server (pid "
                        + pid + ") did not answer within " + REPLY_TIMEOUT_MILLIS / 1000 + " s; it was killed");
                }
                throw new IsolationException("reading the spawn reply", e.errno(), "reading the spawn reply: "
                    + e.getMessage());
            }
            if (p == null) {
                throw new IsolationException("spawn", "the spawn server (pid " + pid + ") ended");
            }
            Exit exit = Exit.of(p);
            if (exit == null) {
                return p;
            }
            exits.add(exit);
        }
    }

    /**
     * A SPAWNED whose pidfd the JVM had no descriptor to take: the process
     * would run unsupervised, so it is killed (by pid: the server holds it
     * unreaped while it lives) and the spawn fails.
     */
    private IsolationException lostPidfd(DescriptorsDroppedException e) {
        ByteBuffer b = e.data();
        if (b.remaining() >= 16 && b.getInt(0) == SPAWNED) {
            int child = b.getInt(8);
            try {
                Posix.kill(child, Posix.SIGKILL);
            } catch (PosixException gone) {
                // ended already; the server reports it
            }
            return new IsolationException("reading the spawn reply", Posix.EMFILE, "reading the spawn reply: no"
                + " descriptor left for the pidfd of pid " + child + ", which was killed (" + e.getMessage() + ")");
        }
        return new IsolationException("reading the spawn reply", e.errno(), "reading the spawn reply: "
            + e.getMessage());
    }

    /** {@code slots}: the launch's descriptors, which say which streams are pipes whose ends come back. */
    private Launched answer(int requestId, Packet reply, int[] slots) throws IsolationException {
        ByteBuffer b = reply.data();
        int[] fds = reply.descriptors();
        int type = b.remaining() >= 8 ? b.getInt() : -1;
        int answered = type == -1 ? -1 : b.getInt();
        if (type == SPAWNED && answered == requestId && b.remaining() >= 8
                && fds.length == 1 + SpawnRequest.pipes(slots)) {
            // The pidfd, then Corral's pipe ends in stream order.
            int[] streams = {-1, -1, -1};
            for (int i = 0, next = 1; i < 3; i++) {
                if (slots[i] == io.corral.api.isolation.Launch.PIPE) {
                    streams[i] = fds[next++];
                }
            }
            Launched launched = new Launched(b.getInt(), b.getInt(), fds[0], streams);
            listener.spawned(requestId, launched);
            return launched;
        }
        reply.closeDescriptors();
        if (type == FAILED && answered == requestId && b.remaining() >= 8) {
            int errno = b.getInt();
            b.getInt(); // the child's pid, already reaped by the server
            String step = cString(b);
            throw new IsolationException(step, errno, errno != 0 ? step + ": " + Posix.strerror(errno) : step);
        }
        throw new IsolationException("spawn", "the spawn server answered request " + requestId
            + " with message type " + type + " for request " + answered);
    }

    /**
     * The reader closes the control socket (under the request lock) once the
     * server ended; its number may since belong to a descriptor opened
     * elsewhere, such as the next spawn's port, which must not get a request.
     * The caller holds the request lock.
     */
    private void sendable() throws PosixException {
        if (control.isClosed()) {
            throw new PosixException("the spawn server (pid " + pid + ") ended", Posix.EPIPE);
        }
    }

    /** Our unreaped child until the reader reaps it, so its pid cannot have been reused. */
    private void kill() {
        try {
            Posix.kill(pid, Posix.SIGKILL);
        } catch (PosixException e) {
            // gone already
        }
    }

    /** Asks the server to watch a process it did not create. */
    void adopt(int childPid, int pidfd) throws PosixException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(ADOPT).putInt(childPid).flip();
        synchronized (requestLock) {
            sendable();
            control.send(b, pidfd);
        }
    }

    /** Lets the server exit without killing its children (another server adopts them). */
    void detach() {
        detached = true;
        try {
            synchronized (requestLock) {
                sendable();
                control.send(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(DETACH).flip());
            }
        } catch (PosixException e) {
            // Already gone: the reader thread reaps it.
        }
    }

    /**
     * Shuts the control socket down: the server sees end of file, kills
     * every process it watches and exits; the reader thread reaps it.
     */
    void shutdown() {
        // Not under the request lock: a spawning thread may hold it, blocked on the reply this wakes.
        if (!control.isClosed()) {
            control.shutdown();
        }
    }

    private void read() {
        try {
            while (true) {
                Packet p = events.receive();
                if (p == null) {
                    break;
                }
                Exit exit = Exit.of(p);
                if (exit != null) {
                    exit.tell(listener);
                } else {
                    p.closeDescriptors();
                    io.corral.log.Log.of(SpawnServer.class).warn("spawn server " + pid + " sent an unexpected event");
                }
            }
        } catch (PosixException e) {
            io.corral.log.Log.of(SpawnServer.class).warn("reading from spawn server " + pid + ": " + e.getMessage());
        } finally {
            events.close();
            // Wake a spawning thread blocked on a reply that will never come.
            control.shutdown();
            synchronized (requestLock) {
                control.close();
            }
            try {
                Posix.waitpid(pid, false);
            } catch (PosixException e) {
                // ECHILD: someone else reaped it; nothing is left behind either way.
            }
            listener.ended(this, detached);
        }
    }

    /** An EXITED report. */
    private record Exit(int pid, int code, int signal, boolean known, boolean oomKilled) {

        /** The report {@code p} carries, or null (and {@code p} untouched) when it is another message. */
        static Exit of(Packet p) {
            ByteBuffer b = p.data();
            if (b.remaining() < 20 || b.getInt(b.position()) != EXITED) {
                return null;
            }
            p.closeDescriptors();
            b.getInt();
            int pid = b.getInt();
            int code = b.getInt();
            int signal = b.getInt();
            int flags = b.getInt();
            return new Exit(pid, code, signal, (flags & EXITED_STATUS_KNOWN) != 0, (flags & EXITED_OOM_KILL) != 0);
        }

        void tell(Events listener) {
            listener.exited(pid, code, signal, known, oomKilled);
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
