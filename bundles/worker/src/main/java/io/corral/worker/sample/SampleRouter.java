package io.corral.worker.sample;

import io.corral.worker.Handler;
import io.corral.worker.Message;
import io.corral.worker.Peer;
import io.corral.worker.Worker;
import java.io.IOException;
import java.util.Locale;

/**
 * A sample router: when a worker's port arrives, sends it DATA and logs the
 * answer; logs the deaths it hears of; exits 0 on QUIT. From main it takes
 * {@code bench N}: N round trips of 64 bytes with a worker, answered with
 * {@code N MEAN_NANOS}; {@code start APP}: asks main for a worker of
 * application APP (START_WORKER), answered with {@code started PID} or
 * {@code error: REASON}; any other text is answered upper-cased.
 */
public final class SampleRouter implements Handler {

    static final int BENCH_BYTES = 64;

    private Bench bench;
    /** Main's {@code start APP} requests, by the stream of their START_WORKER. */
    private final java.util.Map<Integer, Message> starts = new java.util.HashMap<>();

    private SampleRouter() {
    }

    public static void main(String[] args) {
        Samples.run("sample-router", new SampleRouter());
    }

    @Override
    public void newPort(Worker worker, Peer peer) throws IOException {
        Samples.log("new port: " + peer);
        if (peer.type().equals("worker")) {
            peer.send(worker.nextStream(), "hello from router " + ProcessHandle.current().pid());
        }
    }

    @Override
    public void data(Worker worker, Message message) throws IOException {
        Peer from = message.from();
        if (bench != null && from == bench.worker && message.stream() == bench.stream) {
            bench = bench.next();
        } else if (from.held() && from.type().equals("worker")) {
            Samples.log("worker " + from.pid() + " answered: " + message.text());
        } else if (from.type().equals("main") && message.text().startsWith("bench ")) {
            startBench(worker, message);
        } else if (from.type().equals("main") && message.text().startsWith("start ")) {
            String app = message.text().substring(6).trim();
            Samples.log("asking main for a worker of " + app);
            starts.put(worker.startWorker(app), message);
        } else {
            message.reply(message.text().toUpperCase(Locale.ROOT));
        }
    }

    private void startBench(Worker worker, Message request) throws IOException {
        int n;
        try {
            n = Integer.parseInt(request.text().substring(6).trim());
        } catch (NumberFormatException e) {
            request.reply("error: bench N: N must be a whole number");
            return;
        }
        Peer target = worker.ports().stream().filter(p -> p.type().equals("worker") && p.open()).findFirst()
            .orElse(null);
        if (target == null || n < 1 || bench != null) {
            request.reply(target == null ? "error: no worker's port is held" : n < 1
                ? "error: bench N: N must be at least 1" : "error: a bench is running");
            return;
        }
        bench = new Bench(request, target, worker.nextStream(), n, n, System.nanoTime(), new byte[BENCH_BYTES]);
        target.send(bench.stream, bench.payload);
    }

    @Override
    public void answer(Worker worker, Message message) throws IOException {
        Message request = starts.remove(message.stream());
        if (request == null) {
            return;
        }
        String result = message.type() == io.corral.worker.wire.FrameType.RPC_READY
            ? "started " + java.nio.ByteBuffer.wrap(message.payload()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt()
            : "error: " + message.text();
        Samples.log(result);
        request.reply(result);
    }

    @Override
    public void removePid(Worker worker, int pid) throws IOException {
        Samples.log("remove pid " + pid);
        if (bench != null && bench.worker.pid() == pid) {
            bench.request.reply("error: worker " + pid + " died during the bench");
            bench = null;
        }
    }

    @Override
    public void quit(Worker worker) {
        Samples.log("quit");
        worker.stop();
    }

    /** A ping-pong in progress: each answer sends the next ping until none is left. */
    private record Bench(Message request, Peer worker, int stream, int total, int left, long start, byte[] payload) {

        Bench next() throws IOException {
            if (left > 1) {
                worker.send(stream, payload);
                return new Bench(request, worker, stream, total, left - 1, start, payload);
            }
            long mean = (System.nanoTime() - start) / total;
            request.reply(total + " " + mean);
            return null;
        }
    }
}
