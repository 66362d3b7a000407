package io.corral.port.internal;

import io.corral.api.port.WorkerStarter;
import io.corral.api.process.SpawnException;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * START_WORKER: a router asks main for a worker. The spawn runs on one
 * thread of its own, created on first use, so the port reader never waits
 * for a spawn; the answer is RPC_READY with the new pid or RPC_ERROR.
 */
final class WorkerStarts {

    /** How an answer goes back to the router. */
    interface Answer {
        void send(Entry to, int stream, FrameType type, byte[] payload);
    }

    private final Supplier<WorkerStarter> starter;
    private final Answer answer;
    private ExecutorService thread;

    WorkerStarts(Supplier<WorkerStarter> starter, Answer answer) {
        this.starter = starter;
        this.answer = answer;
    }

    void start(Entry router, int stream, String application) {
        WorkerStarter s = starter.get();
        if (s == null) {
            answer.send(router, stream, FrameType.RPC_ERROR, text("no application manager is running to start"
                + " a worker of \"" + application + "\""));
            return;
        }
        thread().execute(() -> {
            try {
                answer.send(router, stream, FrameType.RPC_READY, Frame.ints(s.startWorker(application, router.pid)));
            } catch (SpawnException | RuntimeException e) {
                answer.send(router, stream, FrameType.RPC_ERROR, text("starting a worker of \"" + application
                    + "\": " + e.getMessage()));
            }
        });
    }

    private synchronized ExecutorService thread() {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "corral-ports-rpc");
                t.setDaemon(true);
                return t;
            });
        }
        return thread;
    }

    synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** A reason fits in one frame. */
    private static byte[] text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= Frame.MAX_PAYLOAD ? b : Arrays.copyOf(b, Frame.MAX_PAYLOAD);
    }
}
