package io.corral.worker;

import io.corral.posix.Epoll;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's side of the port protocol: its connection to main (the
 * descriptor in {@value #PORT_FD}), the peers' ports main hands it, and one
 * loop that reads them all. {@link #run} is for one thread; sending works
 * from any thread.
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

    private static final int EVENTS = 64;

    private final Epoll epoll;
    private final Connection main;
    private final Peer mainPeer;
    private final String type;
    private final int stream;
    private final int selfPid = (int) ProcessHandle.current().pid();
    private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
    private final Map<Integer, Peer> held = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean stopped;

    private Worker(Epoll epoll, int fd, int mainPid, String type, int stream) {
        this.epoll = epoll;
        this.type = type;
        this.stream = stream;
        this.main = new Connection(tokens.incrementAndGet(), fd, selfPid);
        this.mainPeer = new Peer(main, mainPid, 0, "main", true);
        main.peer(mainPeer);
        connections.put(main.token, main);
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
        Epoll epoll = Epoll.create(EVENTS);
        Worker w = new Worker(epoll, fd, mainPid, type, stream);
        try {
            epoll.add(fd, w.main.token);
        } catch (PosixException e) {
            w.close();
            throw new IOException(PORT_FD + " " + fd + ": " + e.getMessage()
                + " (is this process's port really descriptor " + fd + "?)");
        }
        return w;
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
     * Reads and handles messages until {@link #stop()} (QUIT's default) or
     * until main closes its end of the port.
     */
    public void run(Handler handler) throws IOException {
        while (!stopped) {
            int n = epoll.await(-1);
            for (int i = 0; i < n && !stopped; i++) {
                Connection c = connections.get(epoll.token(i));
                if (c != null) {
                    receive(c, handler);
                }
            }
        }
    }

    /** Makes {@link #run} return; safe from any thread and from a handler. */
    public void stop() {
        stopped = true;
        epoll.wakeup();
    }

    private void receive(Connection c, Handler handler) {
        Decoded d;
        try {
            d = c.channel.read();
        } catch (PosixException e) {
            log("reading from " + c.peer() + ": " + e.getMessage());
            drop(c);
            return;
        }
        if (d == null) {
            Decoded end = c.channel.endOfInput();
            if (end != null) {
                refuse(c, end.refusal(), end.detail());
            }
            drop(c);
        } else if (d.refused()) {
            refuse(c, d.refusal(), d.detail());
        } else if (d.complete()) {
            Frame f = d.frame();
            if (accepts(c, f.type())) {
                dispatch(c, f, handler);
            } else {
                Posix.closeQuietly(f.descriptor());
                refuse(c, Refusal.UNEXPECTED_TYPE, f.type() + " is not taken from " + c.peer().type());
            }
        }
    }

    /** Main sends anything but what processes send to main; peers send DATA and answers. */
    private boolean accepts(Connection c, FrameType t) {
        if (c == main) {
            return t != FrameType.PROCESS_READY && t != FrameType.START_WORKER;
        }
        return t == FrameType.DATA || t == FrameType.RPC_READY || t == FrameType.RPC_ERROR;
    }

    private void dispatch(Connection c, Frame f, Handler handler) {
        Message m = new Message(c.peer(), f);
        String failure = null;
        try {
            switch (f.type()) {
                case NEW_PORT -> newPort(f, m.takeDescriptor(), handler);
                case REMOVE_PID -> removePid(f.intAt(0), handler);
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

    private void newPort(Frame f, int fd, Handler handler) throws IOException {
        boolean holder = f.intAt(3) == Frame.ROLE_HOLDER;
        Connection c = new Connection(tokens.incrementAndGet(), fd, selfPid);
        Peer peer = new Peer(c, f.intAt(0), f.intAt(1), Frame.PROCESS_TYPES[f.intAt(2)], holder);
        c.peer(peer);
        connections.put(c.token, c);
        try {
            epoll.add(fd, c.token);
        } catch (PosixException e) {
            connections.remove(c.token);
            c.channel.close();
            throw new IOException("watching the port of " + peer + ": " + e.getMessage());
        }
        if (holder) {
            Peer old = held.put(peer.pid(), peer);
            if (old != null) {
                drop(old.connection());
            }
            handler.newPort(this, peer);
        }
    }

    private void removePid(int pid, Handler handler) throws IOException {
        for (Connection c : connections.values()) {
            if (c != main && c.peer().pid() == pid) {
                drop(c);
            }
        }
        handler.removePid(this, pid);
    }

    /** Forgets a socket and closes it; losing main's ends the loop. */
    private void drop(Connection c) {
        epoll.remove(c.channel.fd());
        connections.remove(c.token);
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

    /** Closes every socket; call once {@link #run} has returned. */
    @Override
    public void close() {
        stopped = true;
        for (Connection c : connections.values()) {
            c.channel.close();
        }
        connections.clear();
        held.clear();
        epoll.close();
    }
}
