package io.corral.worker;

import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import io.corral.worker.wire.Decoded;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import io.corral.worker.wire.Refusal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's side of the port protocol: its connection to main (the
 * descriptor in {@value #PORT_FD}), the peers' ports main hands it, and a
 * reader for each of these sockets. {@link #run} is for one thread; sending
 * works from any thread.
 *
 * <p>Each socket has a thread of its own, blocked in {@code recvmsg}, and the
 * handler runs on it under the worker's lock, so that handlers run one at a
 * time. A message thus costs two system calls, not three as in one loop that
 * waits in {@code epoll_wait} for every socket (some 250 ns a message). A
 * process has a socket to main and one per peer connected with it: a few
 * under the default matrices, a router one per worker.
 *
 * <pre>{@code
 * try (Worker w = Worker.attach()) {
 *     w.ready();
 *     w.run(new Handler() {
 *         public void data(Worker w, Message m) throws IOException { m.reply(m.text().toUpperCase()); }
 *     });
 * }
 * }</pre>
 */
public final class Worker implements AutoCloseable {

    /** The descriptor of the process's connection to main. */
    public static final String PORT_FD = "CORRAL_PORT_FD";
    /** The stream PROCESS_READY must carry. */
    public static final String STREAM = "CORRAL_STREAM";
    /** The process type: main, discovery, controller, router or worker. */
    public static final String PID_TYPE = "CORRAL_PID_TYPE";
    /** Main's pid. */
    public static final String MAIN_PID = "CORRAL_MAIN_PID";

    /** How long {@link #close} waits for each reader to leave. */
    private static final long CLOSE_MILLIS = 5000;

    /** Held while a message is handled, so that handlers run one at a time. */
    private final Object turn = new Object();
    /** What {@link #run} waits for: {@link #stop()}. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final List<Thread> readers = new CopyOnWriteArrayList<>();
    /** Set by {@link #run}; read under {@link #turn}. */
    private Handler handler;
    /** What killed a reader, for {@link #run} to throw. */
    private Throwable fatal;
    private final Connection main;
    private final Peer mainPeer;
    private final String type;
    private final int stream;
    private final int selfPid = (int) ProcessHandle.current().pid();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Peer> held = new ConcurrentHashMap<>();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean stopped;

    private Worker(int fd, int mainPid, String type, int stream) {
        this.type = type;
        this.stream = stream;
        this.main = new Connection(fd, selfPid);
        this.mainPeer = new Peer(main, mainPid, 0, "main", true);
        main.peer(mainPeer);
        connections.add(main);
    }

    /** Attaches to the port described by this process's environment. */
    public static Worker attach() throws IOException {
        return attach(System.getenv());
    }

    /**
     * Attaches to the port described by {@code env}. The error names the
     * variable, its value and the rule.
     */
    public static Worker attach(Map<String, String> env) throws IOException {
        int fd = number(env, PORT_FD);
        int stream = (int) Long.parseUnsignedLong(String.valueOf(number(env, STREAM)));
        int mainPid = number(env, MAIN_PID);
        String type = env.get(PID_TYPE);
        if (type == null || !List.of(Frame.PROCESS_TYPES).contains(type)) {
            throw new IOException(PID_TYPE + " \"" + type + "\": expected one of "
                + String.join(", ", Frame.PROCESS_TYPES));
        }
        try {
            if (!SeqPacketSocket.isSeqPacket(fd)) {
                throw new IOException(PORT_FD + " " + fd + ": not a SOCK_SEQPACKET socket"
                    + " (is this process's port really descriptor " + fd + "?)");
            }
        } catch (PosixException e) {
            throw new IOException(PORT_FD + " " + fd + ": " + e.getMessage()
                + " (is this process's port really descriptor " + fd + "?)");
        }
        return new Worker(fd, mainPid, type, stream);
    }

    private static int number(Map<String, String> env, String name) throws IOException {
        String v = env.get(name);
        if (v == null) {
            throw new IOException(name + " is not set: start this program from Corral, as a process with a port"
                + " (see docs/port-protocol.md)");
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new IOException(name + " \"" + v + "\": expected a number from 0 to " + Integer.MAX_VALUE);
    }

    /** Says PROCESS_READY to main, with the stream given at spawn. */
    public void ready() throws IOException {
        main.channel.send(FrameType.PROCESS_READY, Frame.LAST, stream, new byte[0], -1);
    }

    /** Asks main for one more worker of {@code application}; the answer comes to {@link Handler#answer}. */
    public int startWorker(String application) throws IOException {
        int s = nextStream();
        main.channel.send(FrameType.START_WORKER, Frame.LAST, s, application.getBytes(StandardCharsets.UTF_8), -1);
        return s;
    }

    /** A fresh stream id for a request whose answers should be told apart. */
    public int nextStream() {
        return streams.incrementAndGet();
    }

    /** This process's type, from {@value #PID_TYPE}. */
    public String type() {
        return type;
    }

    /** Main. */
    public Peer main() {
        return mainPeer;
    }

    /** The ports this process holds: main's first, then the peers' main handed it. */
    public List<Peer> ports() {
        List<Peer> all = new ArrayList<>();
        all.add(mainPeer);
        all.addAll(held.values());
        return all;
    }

    /** The port of {@code pid}, when this process holds it. */
    public Optional<Peer> port(int pid) {
        return pid == mainPeer.pid() ? Optional.of(mainPeer) : Optional.ofNullable(held.get(pid));
    }

    /** Frames this process refused (each is also logged on standard error). */
    public long refused() {
        return refused.get();
    }

    /**
     * Reads and handles messages until {@link #stop()} (QUIT's default), until
     * main closes its end of the port, or until this thread is interrupted.
     * Returns once no handler runs, and none runs afterwards. Once only.
     *
     * @throws IOException when a reader failed other than by its socket's
     *         end, with that failure as the cause
     */
    public void run(Handler handler) throws IOException {
        synchronized (turn) {
            if (this.handler != null) {
                throw new IllegalStateException("run: called twice");
            }
            this.handler = handler;
            if (!stopped) {
                connections.forEach(this::listen);
            }
        }
        try {
            stopping.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
        synchronized (turn) {
            // Taken once the handler running now returned; the readers see stopped before any other.
            if (fatal instanceof Error e) {
                throw e;
            }
            if (fatal != null) {
                throw new IOException("the reader of a port failed: " + fatal, fatal);
            }
        }
    }

    /** Makes {@link #run} return; safe from any thread and from a handler, and takes no lock. */
    public void stop() {
        stopped = true;
        stopping.countDown();
    }

    /**
     * Starts the thread that reads {@code c}: a daemon, so that a program
     * that never closes its worker still exits. The caller holds {@link #turn}.
     */
    private void listen(Connection c) {
        Thread t = new Thread(() -> read(c), "corral-port " + c.peer());
        t.setDaemon(true);
        readers.add(t);
        t.start();
    }

    /** A reader's life: wait for a datagram without the lock, handle it with the lock. */
    private void read(Connection c) {
        try {
            while (true) {
                Decoded d;
                PosixException failure = null;
                try {
                    d = c.channel.readBlocking();
                } catch (PosixException e) {
                    d = null;
                    failure = e;
                }
                synchronized (turn) {
                    if (stopped || c.channel.closed()) {
                        // Closed here, or stopped: nothing more is handled.
                        if (d != null && d.complete()) {
                            Posix.closeQuietly(d.frame().descriptor());
                        }
                        return;
                    }
                    if (failure != null) {
                        log("reading from " + c.peer() + ": " + failure.getMessage());
                        drop(c);
                        return;
                    }
                    if (!receive(c, d)) {
                        return;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            log("the reader of " + c.peer() + " failed: " + e);
            synchronized (turn) {
                fatal = e;
                stop();
            }
        } finally {
            readers.remove(Thread.currentThread());
        }
    }

    /** Handles what was read; false when the socket has ended. */
    private boolean receive(Connection c, Decoded d) {
        if (d == null) {
            Decoded end = c.channel.endOfInput();
            if (end != null) {
                refuse(c, end.refusal(), end.detail());
            }
            drop(c);
            return false;
        } else if (d.refused()) {
            refuse(c, d.refusal(), d.detail());
        } else if (d.complete()) {
            Frame f = d.frame();
            if (accepts(c, f.type())) {
                dispatch(c, f);
            } else {
                Posix.closeQuietly(f.descriptor());
                refuse(c, Refusal.UNEXPECTED_TYPE, f.type() + " is not taken from " + c.peer().type());
            }
        }
        return true;
    }

    /** Main sends anything but what processes send to main; peers send DATA and answers. */
    private boolean accepts(Connection c, FrameType t) {
        if (c == main) {
            return t != FrameType.PROCESS_READY && t != FrameType.START_WORKER;
        }
        return t == FrameType.DATA || t == FrameType.RPC_READY || t == FrameType.RPC_ERROR;
    }

    private void dispatch(Connection c, Frame f) {
        Message m = new Message(c.peer(), f);
        String failure = null;
        try {
            switch (f.type()) {
                case NEW_PORT -> newPort(f, m.takeDescriptor());
                case REMOVE_PID -> removePid(f.intAt(0));
                case QUIT -> handler.quit(this);
                case DATA -> handler.data(this, m);
                case RPC_READY, RPC_ERROR -> handler.answer(this, m);
                default -> throw new IllegalStateException("unreachable: " + f.type());
            }
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() != null ? e.getMessage() : e.toString();
            log("handling " + f + " from " + c.peer() + ": " + failure);
        } finally {
            m.release();
        }
        if (f.has(Frame.SYNC) && !c.channel.closed()) {
            answer(c, f.stream(), failure);
        }
    }

    private void answer(Connection c, int s, String failure) {
        try {
            if (failure == null) {
                c.channel.send(FrameType.RPC_READY, Frame.LAST, s, new byte[0], -1);
            } else {
                c.channel.send(FrameType.RPC_ERROR, Frame.LAST, s, failure.getBytes(StandardCharsets.UTF_8), -1);
            }
        } catch (IOException e) {
            log("answering " + c.peer() + ": " + e.getMessage());
        }
    }

    private void newPort(Frame f, int fd) throws IOException {
        boolean holder = f.intAt(3) == Frame.ROLE_HOLDER;
        Connection c = new Connection(fd, selfPid);
        Peer peer = new Peer(c, f.intAt(0), f.intAt(1), Frame.PROCESS_TYPES[f.intAt(2)], holder);
        c.peer(peer);
        connections.add(c);
        listen(c);
        if (holder) {
            Peer old = held.put(peer.pid(), peer);
            if (old != null) {
                drop(old.connection());
            }
            handler.newPort(this, peer);
        }
    }

    private void removePid(int pid) throws IOException {
        for (Connection c : connections) {
            if (c != main && c.peer().pid() == pid) {
                drop(c);
            }
        }
        handler.removePid(this, pid);
    }

    /** Forgets a socket and closes it; losing main's ends the loop. */
    private void drop(Connection c) {
        connections.remove(c);
        held.remove(c.peer().pid(), c.peer());
        c.channel.close();
        if (c == main) {
            log("main closed the port: stopping");
            stop();
        }
    }

    private void refuse(Connection c, Refusal r, String detail) {
        refused.incrementAndGet();
        log("refused a frame from " + c.peer() + ": " + r.code() + ": " + detail);
    }

    private void log(String line) {
        System.err.println("corral worker " + selfPid + ": " + line);
    }

    /**
     * Stops, closes every socket and waits for the readers to leave (their
     * waits end at once: closing shuts a socket down). Call once {@link #run}
     * has returned.
     */
    @Override
    public void close() {
        stop();
        for (Connection c : connections) {
            c.channel.close();
        }
        connections.clear();
        held.clear();
        if (Thread.holdsLock(turn)) {
            return; // from a handler: the readers wait for this thread's lock
        }
        for (Thread t : readers) {
            try {
                t.join(CLOSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
