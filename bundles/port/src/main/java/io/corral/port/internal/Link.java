package io.corral.port.internal;

import io.corral.api.port.MessageType;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameChannel;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Main's end of one process's port: the socket, what went through it, and
 * main's requests waiting for an answer on it. Main only ever offers (never
 * blocks): a process that does not read cannot stall the container.
 *
 * <p>One thread at a time reads the socket, holding {@link #reading}: the
 * port reader for one frame, or a caller of {@link PortRegistryImpl#call} for
 * the whole call (the socket then is disabled in the reader's epoll set, see
 * {@link Reader#suspend}).
 */
final class Link {

    /** Refusals logged per link before they are only counted: a bad peer must not flood the log. */
    static final int LOGGED_REFUSALS = 20;

    final long token;
    final int pid;
    final FrameChannel channel;
    /** Counters indexed by type code: as many as the codes go, not one per possible byte. */
    private static final int CODES = java.util.Arrays.stream(MessageType.values()).mapToInt(MessageType::code).max()
        .orElse(0) + 1;

    private final AtomicLongArray sent = new AtomicLongArray(CODES);
    private final AtomicLongArray received = new AtomicLongArray(CODES);
    private final AtomicLong refused = new AtomicLong();
    private final Map<Integer, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();

    /** Held by whoever reads the socket: frames are decoded and handled in order, by one thread at a time. */
    final ReentrantLock reading = new ReentrantLock();
    /** Serializes changes of {@link #watched}, and the reader's test of {@link #calls} before enabling. */
    final Object watch = new Object();
    /**
     * Calls in progress or waiting on this link (low 32 bits) and calls ended
     * so far (high 32 bits), one word so that a call's start and its end
     * each cost one atomic add. While any call is on, the reader's epoll set
     * has the link disabled; the reader enables it once no call ended for a
     * while.
     */
    final AtomicLong calls = new AtomicLong();
    /** One call more: add to {@link #calls}. */
    static final long CALL_STARTS = 1;
    /** One call less and one more ended: add to {@link #calls}. */
    static final long CALL_ENDS = (1L << 32) - 1;

    /** The calls in progress or waiting, of a value of {@link #calls}. */
    static int active(long calls) {
        return (int) calls;
    }

    /** The calls ended so far (modulo 2^32), of a value of {@link #calls}. */
    static int ended(long calls) {
        return (int) (calls >>> 32);
    }
    /** The link in the reader's epoll set: {@link #ENABLED}, {@link #DISABLED} or {@link #ENABLING}. */
    volatile int watched = ENABLED;
    static final int ENABLED = 0;
    static final int DISABLED = 1;
    /** The reader is about to enable it: a call starting now must wait for the outcome. */
    static final int ENABLING = 2;
    /** The calls ended as the reader counted them at its last look (the reader's own). */
    int endedAtLastLook = -1;

    // The synchronous call in progress (at most one per link), guarded by reading: whoever reads may answer it.
    private boolean calling;
    private int callStream;
    private byte[] callAnswer;
    private volatile String closedWhy;

    Link(long token, int pid, int fd, int mainPid) {
        this.token = token;
        this.pid = pid;
        this.channel = new FrameChannel(fd, mainPid, 0);
    }

    /** Sends one frame without blocking; false when the process's queue is full. */
    boolean offer(FrameType type, int stream, byte[] payload, int descriptor) throws IOException {
        if (!channel.offer(type, Frame.LAST, stream, payload, descriptor)) {
            return false;
        }
        sent.incrementAndGet(type.code());
        return true;
    }

    /** Counts a frame read; only the holder of {@link #reading} reads, so no atomic add is needed. */
    void received(FrameType type) {
        int code = type.code();
        received.lazySet(code, received.get(code) + 1);
    }

    /** Counts a refusal; true while it should still be logged. */
    boolean refused() {
        return refused.incrementAndGet() <= LOGGED_REFUSALS;
    }

    long refusals() {
        return refused.get();
    }

    Map<MessageType, Long> sent() {
        return byType(sent);
    }

    Map<MessageType, Long> received() {
        return byType(received);
    }

    private static Map<MessageType, Long> byType(AtomicLongArray counts) {
        Map<MessageType, Long> m = new EnumMap<>(MessageType.class);
        for (MessageType t : MessageType.values()) {
            long n = counts.get(t.code());
            if (n > 0) {
                m.put(t, n);
            }
        }
        return m;
    }

    CompletableFuture<byte[]> await(int stream) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        pending.put(stream, f);
        return f;
    }

    /** A synchronous call waits for DATA on {@code stream}; the caller holds {@link #reading}. */
    void expect(int stream) {
        calling = true;
        callStream = stream;
        callAnswer = null;
    }

    /** The call's answer once it came, else null; the caller holds {@link #reading}. */
    byte[] expected() {
        return callAnswer;
    }

    /** The call ended: a late answer is dropped as any unasked-for DATA. */
    void expectNothing() {
        calling = false;
        callAnswer = null;
    }

    /**
     * Answers main's synchronous call or completes main's request on
     * {@code stream}; false when main asked nothing there. Called by the
     * thread that read the frame.
     */
    boolean answer(int stream, byte[] payload) {
        if (calling && stream == callStream) {
            calling = false;
            callAnswer = payload;
            return true;
        }
        CompletableFuture<byte[]> f = pending.remove(stream);
        return f != null && f.complete(payload);
    }

    void forget(int stream) {
        pending.remove(stream);
    }

    /** Why main's end was closed ("closed: its process exited"), or null while it is open. */
    String closedWhy() {
        return closedWhy;
    }

    boolean open() {
        return !channel.closed();
    }

    /** Closes main's end; requests still waiting fail with {@code why}. */
    void close(String why) {
        synchronized (this) {
            if (closedWhy == null) {
                closedWhy = why;
            }
        }
        channel.close();
        if (pending.isEmpty()) {
            return; // the common case, at every exit: no exception to build
        }
        IOException e = new IOException("the port of pid " + pid + " " + why);
        pending.values().forEach(f -> f.completeExceptionally(e));
        pending.clear();
    }
}
