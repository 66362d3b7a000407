package io.corral.port.internal;

import io.corral.api.port.Matrix;
import io.corral.api.port.MessageType;
import io.corral.api.port.PortId;
import io.corral.api.port.PortInfo;
import io.corral.api.port.PortRegistry;
import io.corral.api.port.WorkerStarter;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Participation;
import io.corral.api.process.ProcessListener;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnParticipant;
import io.corral.api.process.SpawnSpec;
import io.corral.log.Log;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import io.corral.worker.wire.Refusal;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Main's side of the ports (Unit's {@code nxt_port*.c} in the main process):
 * gives every spawned process a port, hands ports around by the connect
 * matrix, tells of deaths by the remove-notify matrix, and reads every port
 * on one thread.
 */
@Component(service = {PortRegistry.class, SpawnParticipant.class, ProcessListener.class},
    configurationPid = Matrices.PID, immediate = true)
@Designate(ocd = PortRegistryImpl.Config.class)
public final class PortRegistryImpl implements PortRegistry, SpawnParticipant, ProcessListener, Reader.Sink {

    @ObjectClassDefinition(name = "Corral ports", description = "The connect and remove-notify matrices: five rows"
        + " (main, discovery, controller, router, worker) of five digits 0 or 1, one per column in the same order")
    public @interface Config {
        @AttributeDefinition(description = "Who holds whose port: row = the holder, column = the owner."
            + " Row main and column main must be all 1 (the connection at descriptor 3).")
        String[] connect() default {"11111", "10000", "10010", "10101", "10000"};

        @AttributeDefinition(description = "Who is told of whose death (REMOVE_PID): row = the one told,"
            + " column = the one that died")
        String[] remove__notify() default {"00000", "00000", "00010", "00101", "00010"};
    }

    private static final Log LOG = Log.of(PortRegistryImpl.class);
    /** Streams main starts for its requests; a process's own streams toward main stay below. */
    private static final int FIRST_MAIN_STREAM = 0x8000_0000;

    private final int mainPid = (int) ProcessHandle.current().pid();
    private final Table table = new Table();
    private final Reader reader;
    private final AtomicInteger spawnStreams = new AtomicInteger();
    private final AtomicInteger requestStreams = new AtomicInteger(FIRST_MAIN_STREAM);
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
    private volatile Matrices matrices;
    private volatile boolean closed;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile WorkerStarter starter;
    private final WorkerStarts workerStarts = new WorkerStarts(() -> starter, this::answer);

    @Activate
    public PortRegistryImpl(Config config) throws PosixException {
        this.matrices = configured(config, Matrices.DEFAULTS);
        this.reader = new Reader(this);
    }

    @Modified
    void modified(Config config) {
        matrices = configured(config, matrices);
    }

    /** A configuration that does not parse changes nothing: it is logged and the matrices in force stay. */
    private static Matrices configured(Config config, Matrices current) {
        try {
            return Matrices.from(config.connect(), config.remove__notify());
        } catch (IllegalArgumentException e) {
            LOG.warn(e.getMessage() + "; keeping the matrices in force");
            return current;
        }
    }

    @Deactivate
    void deactivate() {
        closed = true;
        reader.close();
        synchronized (table) {
            for (Entry e : table.entries()) {
                e.link.close("closed: the port service stopped");
            }
        }
        workerStarts.close();
    }

    // ---- spawning ----

    @Override
    public Participation participate(SpawnSpec spec, int firstDescriptor) throws SpawnException {
        if (closed) {
            throw new SpawnException("port", "the port service is stopping");
        }
        try {
            int[] pair = SeqPacketSocket.rawPair();
            return new PortParticipation(this, spec, pair, spawnStreams.incrementAndGet(), firstDescriptor, mainPid);
        } catch (PosixException e) {
            throw new SpawnException("creating the port", e.errno(), "creating the port of \"" + spec.name()
                + "\": " + e.getMessage());
        }
    }

    /** The program runs: main's end of its port joins the table and the reader. */
    void attach(ManagedProcess process, ProcessType type, int stream, int mainEnd, Runnable ready) {
        Link link = new Link(tokens.incrementAndGet(), process.pid(), mainEnd, mainPid);
        Entry e = new Entry(process.pid(), type, stream, link, process, ready);
        synchronized (table) {
            if (closed) {
                link.close("closed: the port service stopped");
                return;
            }
            try {
                reader.add(e);
            } catch (PosixException ex) {
                LOG.warn("watching the port of " + e + ": " + ex.getMessage());
                link.close("closed: it could not be watched");
                return;
            }
            table.add(e);
            pass(table.onSpawn(e, matrices.connect()));
        }
        // The exit may have been seen before the entry existed: then nobody else will forget it.
        if (process.exitStatus().isPresent()) {
            died(process);
        }
    }

    // ---- deaths ----

    @Override
    public void stateChanged(ManagedProcess process, ProcessState state) {
        if (state == ProcessState.EXITED) {
            died(process);
        }
    }

    /** REMOVE_PID to those the remove-notify matrix names, then main's end is closed and the port forgotten. */
    private void died(ManagedProcess process) {
        synchronized (table) {
            Entry dead = table.get(process.pid());
            if (closed || dead == null || dead.process != process) {
                return;
            }
            for (Entry told : table.onDeath(dead, matrices.removeNotify())) {
                offer(told, FrameType.REMOVE_PID, 0, Frame.ints(dead.pid), -1);
            }
            reader.remove(dead);
            dead.link.close("closed: its process exited");
        }
    }

    // ---- frames from processes (reader thread) ----

    @Override
    public void frame(Entry e, Frame f) {
        boolean taken = handle(e, f);
        // START_WORKER is answered when the worker runs; everything else main takes is done once handled.
        if (taken && f.has(Frame.SYNC) && f.type() != FrameType.START_WORKER) {
            answer(e, f.stream(), FrameType.RPC_READY, new byte[0]);
        }
    }

    /** Acts on a frame; false when it was refused. */
    private boolean handle(Entry e, Frame f) {
        Link link = e.link;
        switch (f.type()) {
            case PROCESS_READY -> {
                return ready(e, f);
            }
            case DATA -> {
                // Main takes no descriptor from DATA: closing it is what keeps main from leaking.
                Posix.closeQuietly(f.descriptor());
                link.received(f.type());
                link.answer(f.stream(), f.payload());
            }
            case START_WORKER -> {
                link.received(f.type());
                workerStarts.start(e, f.stream(), f.text());
            }
            case RPC_READY, RPC_ERROR -> link.received(f.type());
            default -> {
                Posix.closeQuietly(f.descriptor());
                refused(e, Refusal.UNEXPECTED_TYPE, f.type() + " is sent by main, never to it");
                return false;
            }
        }
        return true;
    }

    private boolean ready(Entry e, Frame f) {
        if (f.stream() != e.stream) {
            refused(e, Refusal.BAD_STREAM, "PROCESS_READY on stream " + Integer.toUnsignedString(f.stream())
                + ", given " + Integer.toUnsignedString(e.stream) + " at spawn");
            return false;
        }
        e.link.received(f.type());
        synchronized (table) {
            if (e.ready || table.get(e.pid) != e) {
                return true; // said twice, or it died meanwhile
            }
            e.ready = true;
            pass(table.onReady(e, matrices.connect()));
        }
        // Outside the lock: the factory tells its listeners, who may call back into the registry.
        e.readyAction.run();
        return true;
    }

    @Override
    public void refused(Entry from, Refusal refusal, String detail) {
        refusals.computeIfAbsent(refusal.code(), k -> new AtomicLong()).incrementAndGet();
        Link link = from.link;
        if (link.refused()) {
            LOG.warn("refused a frame from pid " + from.pid + ": " + refusal.code() + ": " + detail
                + (link.refusals() == Link.LOGGED_REFUSALS ? " (further refusals from it are only counted)" : ""));
        }
    }

    @Override
    public void ended(Entry from) {
        reader.remove(from);
        from.link.close("closed: its process closed its end");
    }

    // ---- handing ports ----

    /**
     * Hands ports: each grant is a fresh socketpair, one end to the holder
     * (role holder), the other to the owner (role owner), so that every holder
     * has its own channel to the owner and answers never go astray.
     */
    private void pass(List<Table.Grant> grants) {
        for (Table.Grant g : grants) {
            int[] pair;
            try {
                pair = SeqPacketSocket.rawPair();
            } catch (PosixException ex) {
                LOG.warn("handing the port of " + g.owner() + " to " + g.holder() + ": " + ex.getMessage());
                continue;
            }
            try {
                if (offer(g.holder(), FrameType.NEW_PORT, 0, newPort(g.owner(), Frame.ROLE_HOLDER), pair[0])
                        && offer(g.owner(), FrameType.NEW_PORT, 0, newPort(g.holder(), Frame.ROLE_OWNER), pair[1])) {
                    g.holder().holds.add(g.owner().port());
                }
            } finally {
                // The receivers have their copies (in flight until they read them).
                Posix.closeQuietly(pair[0]);
                Posix.closeQuietly(pair[1]);
            }
        }
    }

    private static byte[] newPort(Entry about, int role) {
        return Frame.ints(about.pid, PortId.FIRST, about.type.ordinal(), role);
    }

    /** Offers a frame to a process; a full or closed port is logged and reported as false. */
    private boolean offer(Entry to, FrameType type, int stream, byte[] payload, int descriptor) {
        if (!to.link.open()) {
            return false; // it closed its end: nothing can reach it, and its exit will follow
        }
        try {
            if (to.link.offer(type, stream, payload, descriptor)) {
                return true;
            }
            LOG.warn("the port of " + to + " is full: " + type + " dropped");
        } catch (IOException ex) {
            // EPIPE: the process closed its end, so it is exiting; its own EXITED follows, nothing to report.
            if (!(ex.getCause() instanceof PosixException pe && pe.errno() == Posix.EPIPE)) {
                LOG.warn("sending " + type + " to " + to + ": " + ex.getMessage());
            }
        }
        return false;
    }

    private void answer(Entry to, int stream, FrameType type, byte[] payload) {
        offer(to, type, stream, payload, -1);
    }

    // ---- PortRegistry ----

    @Override
    public Matrix connectMatrix() {
        return matrices.connect();
    }

    @Override
    public Matrix removeNotifyMatrix() {
        return matrices.removeNotify();
    }

    @Override
    public PortId mainPort() {
        return new PortId(mainPid, PortId.FIRST);
    }

    @Override
    public List<PortInfo> ports() {
        List<PortInfo> all = new ArrayList<>();
        synchronized (table) {
            List<PortId> everyone = new ArrayList<>();
            Map<MessageType, Long> sent = new TreeMap<>();
            Map<MessageType, Long> received = new TreeMap<>();
            long refused = 0;
            for (Entry e : table.entries()) {
                everyone.add(e.port());
                e.link.sent().forEach((t, n) -> sent.merge(t, n, Long::sum));
                e.link.received().forEach((t, n) -> received.merge(t, n, Long::sum));
                refused += e.link.refusals();
            }
            all.add(new PortInfo(mainPort(), ProcessType.MAIN, true, !closed, everyone, sent, received, refused));
            for (Entry e : table.entries()) {
                all.add(info(e));
            }
        }
        return all;
    }

    @Override
    public Optional<PortInfo> ports(int pid) {
        return ports().stream().filter(p -> p.port().pid() == pid).findFirst();
    }

    /** Callers hold the table's monitor. */
    private PortInfo info(Entry e) {
        List<PortId> holds = new ArrayList<>();
        holds.add(mainPort());
        holds.addAll(e.holds);
        return new PortInfo(e.port(), e.type, e.ready, e.link.open(), holds, e.link.sent(), e.link.received(),
            e.link.refusals());
    }

    @Override
    public void send(PortId target, byte[] payload) throws IOException {
        deliver(entry(target), FrameType.DATA, requestStreams.getAndIncrement(), payload);
    }

    @Override
    public CompletionStage<byte[]> request(PortId target, byte[] payload) throws IOException {
        Entry e = entry(target);
        int stream = requestStreams.getAndIncrement();
        CompletableFuture<byte[]> answer = e.link.await(stream);
        try {
            deliver(e, FrameType.DATA, stream, payload);
        } catch (IOException ex) {
            e.link.forget(stream);
            throw ex;
        }
        return answer.minimalCompletionStage();
    }

    /**
     * Reads the answer on the caller's thread: the port is disabled in the
     * reader's epoll set, the caller takes the port's read lock (so the reader is not
     * mid-frame on it, and calls to the same process go one at a time), sends,
     * and handles every frame as the reader would until its answer is there.
     */
    @Override
    public byte[] call(PortId target, byte[] payload, Duration timeout) throws IOException, InterruptedException {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout + ": must be positive");
        }
        long timeoutNanos = timeout.toNanos();
        long deadline = System.nanoTime() + timeoutNanos;
        if (Thread.interrupted()) {
            throw new InterruptedException("call to pid " + target.pid() + ": interrupted before sending");
        }
        Entry e = entry(target);
        Link link = e.link;
        reader.suspend(e);
        try {
            long left = timeoutNanos;
            if (!link.reading.tryLock()) {
                if (!link.reading.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
                    throw new IOException("call to pid " + e.pid + ": timed out after " + timeout.toMillis()
                        + " ms waiting for the calls to it before this one");
                }
                left = deadline - System.nanoTime();
            }
            try {
                return callLocked(e, payload, deadline, left, timeout);
            } finally {
                link.reading.unlock();
            }
        } finally {
            reader.resume(e); // after unlocking: the reader must be able to take the port when it reports it
        }
    }

    /**
     * The call once it holds the port's read lock, with {@code left}
     * nanoseconds to its deadline: the first wait is for that long, though
     * sending took some microseconds (the wait is in whole milliseconds
     * anyway), which saves reading the clock once per call. The answer
     * cannot be there before the first read: only this thread reads now.
     */
    private byte[] callLocked(Entry e, byte[] payload, long deadline, long left, Duration timeout)
            throws IOException, InterruptedException {
        Link link = e.link;
        int stream = requestStreams.getAndIncrement();
        link.expect(stream);
        try {
            deliver(e, FrameType.DATA, stream, payload);
            while (true) {
                if (left <= 0) {
                    throw new IOException("call to pid " + e.pid + ": no answer on stream "
                        + Integer.toUnsignedString(stream) + " within " + timeout.toMillis() + " ms");
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException("call to pid " + e.pid + ": interrupted waiting for the answer");
                }
                // Whole milliseconds, rounded up: equal timeouts cost no setsockopt per call.
                if (!reader.readFor(e, (left + 999_999) / 1_000_000)) {
                    String why = link.closedWhy();
                    throw new IOException("call to pid " + e.pid + ": the port " + (why != null ? why
                        : "closed: its process closed its end") + ", before the answer came");
                }
                byte[] answer = link.expected();
                if (answer != null) {
                    return answer;
                }
                left = deadline - System.nanoTime();
            }
        } finally {
            link.expectNothing();
        }
    }

    @Override
    public void quit(int pid) throws IOException {
        deliver(entry(new PortId(pid, PortId.FIRST)), FrameType.QUIT, 0, new byte[0]);
    }

    /**
     * QUIT to a process that said PROCESS_READY on its port; false when it
     * did not (or has no open port here, or its queue is full), so that it
     * gets SIGTERM instead.
     */
    boolean quitIfReady(ManagedProcess process) {
        Entry e;
        synchronized (table) {
            e = table.get(process.pid());
            if (closed || e == null || e.process != process || !e.ready) {
                return false;
            }
        }
        try {
            return e.link.open() && e.link.offer(FrameType.QUIT, 0, new byte[0], -1);
        } catch (IOException ex) {
            return false; // closed meanwhile: a signal still reaches it
        }
    }

    private static void deliver(Entry e, FrameType type, int stream, byte[] payload) throws IOException {
        if (!e.link.offer(type, stream, payload, -1)) {
            throw new IOException("the port of pid " + e.pid + " is full: its process does not read it");
        }
    }

    private Entry entry(PortId target) throws IOException {
        Entry e = target.id() == PortId.FIRST ? table.find(target.pid()) : null;
        if (e == null) {
            throw new IOException("no port " + target + ": pid " + target.pid() + " has no port here"
                + " (see corral:ports)");
        }
        if (!e.link.open()) {
            throw new IOException("the port of pid " + target.pid() + " is closed: its process closed its end");
        }
        return e;
    }

    @Override
    public Map<String, Long> refused() {
        Map<String, Long> m = new TreeMap<>();
        refusals.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }
}
