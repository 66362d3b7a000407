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

/**
 * Main's end of one process's port: the socket, what went through it, and
 * main's requests waiting for an answer on it. Main only ever offers (never
 * blocks): a process that does not read cannot stall the container.
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

    void received(FrameType type) {
        received.incrementAndGet(type.code());
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

    /** Completes main's request on {@code stream}; false when main asked nothing there. */
    boolean answer(int stream, byte[] payload) {
        CompletableFuture<byte[]> f = pending.remove(stream);
        return f != null && f.complete(payload);
    }

    void forget(int stream) {
        pending.remove(stream);
    }

    boolean open() {
        return !channel.closed();
    }

    /** Closes main's end; requests still waiting fail with {@code why}. */
    void close(String why) {
        channel.close();
        if (pending.isEmpty()) {
            return; // the common case, at every exit: no exception to build
        }
        IOException e = new IOException("the port of pid " + pid + " " + why);
        pending.values().forEach(f -> f.completeExceptionally(e));
        pending.clear();
    }
}
