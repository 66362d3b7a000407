package io.corral.bench.internal;

import io.corral.api.port.PortId;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.api.process.Readiness;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.log.Log;
import io.corral.spawner.BundleBinary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code corral:bench-ports}: 64-byte round trips main-worker (a blocking
 * call, an asynchronous request, and requests chained on the port reader) and
 * router-worker (the distribution's samples, in their own JVMs) against a C
 * ping-pong on the same kind of socketpair (blocking, with epoll loops on
 * both sides, and making the system calls a main-worker call makes), in one
 * run.
 */
@Component(service = PortBenchCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=bench-ports"
})
public final class PortBenchCommand {

    private static final Log LOG = Log.of(PortBenchCommand.class);

    static final String BASELINE = "corral-pingpong";
    /** The payload of each round trip. */
    static final int PAYLOAD = 64;
    /** A 64-byte DATA frame's datagram: the baseline sends the same size. */
    static final int DATAGRAM = PAYLOAD + 20;
    private static final long START_MILLIS = 60_000;
    /** How long one round trip may take before the run fails. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    /** Warm-up batch size. */
    private static final int BATCH = 10_000;

    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessFactory factory;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile PortRegistry registry;

    @Activate
    public PortBenchCommand(BundleContext context) {
        this.context = context;
    }

    /**
     * Gogo calls {@code _main} for a name that cannot be a Java method's, such
     * as {@code bench-ports}, with the command's name first, as in argv.
     */
    @Descriptor("measure 64-byte round trips on ports: main-worker and router-worker (sample processes) against"
        + " a C socketpair ping-pong (blocking, with epoll loops, and with Corral's system calls), in one run;"
        + " prints the means and the ratios to blocking C."
        + " Usage: bench-ports [--rounds N] [--warmup N] [--verbose]: N measured round trips of each kind"
        + " (default 200000) after --warmup round trips (default 300000; the sample JVMs' JIT needs them);"
        + " --verbose prints the warm-up in batches of 10000")
    public void _main(@Descriptor("[--rounds N] [--warmup N] [--verbose]") String... args) throws Exception {
        int rounds = 200_000;
        int warmup = 300_000;
        boolean verbose = false;
        // Gogo passes the command's name first, as in argv.
        for (int i = Math.min(1, args.length); i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = number(args, ++i, "--rounds");
                case "--warmup" -> warmup = number(args, ++i, "--warmup");
                case "--verbose" -> verbose = true;
                default -> throw usage("unknown argument \"" + args[i] + "\"");
            }
        }
        if (rounds < 1 || warmup < 0) {
            throw usage("--rounds must be at least 1 and --warmup at least 0, got " + rounds + " and " + warmup);
        }
        if (factory == null || registry == null) {
            throw new IllegalStateException("corral:bench-ports needs the process factory and the port registry"
                + " (start io.corral.process and io.corral.port)");
        }
        Path samples = samples();
        List<ManagedProcess> started = new ArrayList<>();
        try {
            int cWarmup = Math.min(warmup, BATCH);
            long[] before = baselines(rounds, cWarmup);
            ManagedProcess worker = sample(samples, "sample-worker", ProcessType.WORKER, started);
            ManagedProcess router = sample(samples, "sample-router", ProcessType.ROUTER, started);
            awaitReady(worker);
            awaitReady(router);
            awaitWorkerPort(router);
            PortId toWorker = new PortId(worker.pid(), PortId.FIRST);
            PortId toRouter = new PortId(router.pid(), PortId.FIRST);
            Measured main = measure("main <-> worker", n -> mainToWorker(toWorker, n), rounds, warmup, verbose);
            Measured async = measure("main <-> worker, async", n -> mainToWorkerAsync(toWorker, n), rounds,
                warmup, verbose);
            Measured chained = measure("main <-> worker, chained", n -> mainToWorkerChained(toWorker, n), rounds,
                warmup, verbose);
            Measured viaRouter = measure("router <-> worker", n -> routerToWorker(toRouter, n), rounds, warmup,
                verbose);
            long[] after = baselines(rounds, cWarmup);
            long c = Math.min(before[0], after[0]);
            long cLoop = Math.min(before[1], after[1]);
            long cPorts = Math.min(before[2], after[2]);
            System.out.printf(Locale.ROOT, "%d-byte round trips (%d-byte datagrams), mean of %d, after warm-up;"
                + " C: the faster of a run before and one after the JVMs'%n", PAYLOAD, DATAGRAM, rounds);
            row("C ping-pong, blocking", new Measured(c, cWarmup), c);
            row("C ping-pong, epoll loops", new Measured(cLoop, cWarmup), c);
            row("C, Corral's system calls", new Measured(cPorts, cWarmup), c);
            row("main <-> worker", main, c);
            row("main <-> worker, async", async, c);
            row("main <-> worker, chained", chained, c);
            row("router <-> worker", viaRouter, c);
        } finally {
            for (ManagedProcess p : started) {
                p.signal(9);
            }
            // Gone, and their deaths told, before the command returns.
            for (ManagedProcess p : started) {
                try {
                    p.onExit().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    LOG.warn("corral:bench-ports: " + p + " did not exit: " + e);
                }
            }
        }
    }

    /** One batch of n round trips; returns the mean in nanoseconds. */
    private interface Batch {
        long mean(int n) throws Exception;
    }

    private record Measured(long nanos, int warmup) {
    }

    /**
     * Warms up with {@code warmup} round trips in batches (the JIT of the
     * sample JVMs settles only after some hundred thousand), then measures
     * {@code rounds}.
     */
    private static Measured measure(String what, Batch batch, int rounds, int warmup, boolean verbose)
            throws Exception {
        for (int spent = 0; spent < warmup; ) {
            int n = Math.min(BATCH, warmup - spent);
            long mean = batch.mean(n);
            spent += n;
            if (verbose) {
                System.out.printf(Locale.ROOT, "  warm-up %-20s %8d round trips  %8.2f us%n", what, spent,
                    mean / 1000.0);
            }
        }
        return new Measured(batch.mean(rounds), warmup);
    }

    private static void row(String what, Measured m, long baseline) {
        System.out.printf(Locale.ROOT, "%-24s %8.2f us  %5.2fx  (after %d warm-up round trips)%n", what,
            m.nanos() / 1000.0, (double) m.nanos() / baseline, m.warmup());
    }

    /**
     * The C rows, blocking, epoll loops and Corral's system calls. Run before
     * and after the JVMs' rows: the faster counts, so that main's JVM, busy
     * compiling after its start on the same CPU, cannot slow the baseline.
     */
    private long[] baselines(int rounds, int warmup) throws Exception {
        return new long[] {baseline(rounds, warmup, "blocking"), baseline(rounds, warmup, "epoll"),
            baseline(rounds, warmup, "ports")};
    }

    /**
     * The C baseline, run as a plain process; returns its mean in
     * nanoseconds. {@code epoll}: both sides wait in epoll_wait first, as an
     * event loop over many ports does; {@code ports}: the system calls of a
     * main-worker call (see corral-pingpong.c).
     */
    private long baseline(int rounds, int warmup, String mode) throws Exception {
        Path out = Files.createTempFile("corral-pingpong", ".out");
        try {
            ManagedProcess p = factory.spawn(SpawnSpec.builder(install().toString()).name(BASELINE)
                .arguments(Integer.toString(rounds), Integer.toString(warmup), Integer.toString(DATAGRAM), mode)
                .stdio(Stdio.files(null, out, out)).build());
            ExitStatus status = p.onExit().toCompletableFuture().get(10 + rounds / 1000, TimeUnit.SECONDS);
            String text = Files.readString(out, StandardCharsets.UTF_8).trim();
            if (!status.success()) {
                throw new IllegalStateException(BASELINE + " failed (" + status + "): " + text);
            }
            return Long.parseLong(text.split(" ")[1]);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Main's calls to the worker, one after the other, through the registry as
     * any caller would: the caller's thread sends and reads the answer itself,
     * as each side of the C ping-pong does.
     */
    private long mainToWorker(PortId worker, int n) throws Exception {
        byte[] payload = new byte[PAYLOAD];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            registry.call(worker, payload, ANSWER_TIMEOUT);
        }
        return (System.nanoTime() - start) / n;
    }

    /**
     * The same with asynchronous requests, the caller blocked on each one's
     * future: main's port reader reads the answer and hands it to the caller.
     */
    private long mainToWorkerAsync(PortId worker, int n) throws Exception {
        byte[] payload = new byte[PAYLOAD];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            registry.request(worker, payload).toCompletableFuture().get(ANSWER_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        }
        return (System.nanoTime() - start) / n;
    }

    /**
     * The same, each request sent from the completion of the one before (on
     * main's port reader thread, as a component reacting to answers would):
     * without the hand-off to a blocked caller thread.
     */
    private long mainToWorkerChained(PortId worker, int n) throws Exception {
        CompletableFuture<Long> done = new CompletableFuture<>();
        chain(worker, new byte[PAYLOAD], n, n, System.nanoTime(), done);
        return done.get(10 + n / 1000, TimeUnit.SECONDS);
    }

    private void chain(PortId worker, byte[] payload, int left, int n, long start, CompletableFuture<Long> done) {
        try {
            registry.request(worker, payload).whenComplete((answer, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                } else if (left > 1) {
                    chain(worker, payload, left - 1, n, start, done);
                } else {
                    done.complete((System.nanoTime() - start) / n);
                }
            });
        } catch (IOException e) {
            done.completeExceptionally(e);
        }
    }

    /** The sample router runs the ping-pong with its worker through the port main passed, and says the mean. */
    private long routerToWorker(PortId router, int n) throws Exception {
        byte[] answer = registry.request(router, ("bench " + n).getBytes(StandardCharsets.UTF_8))
            .toCompletableFuture().get(10 + n / 1000, TimeUnit.SECONDS);
        String s = new String(answer, StandardCharsets.UTF_8);
        if (!s.matches("\\d+ \\d+")) {
            throw new IllegalStateException("the sample router answered \"" + s + "\"");
        }
        return Long.parseLong(s.split(" ")[1]);
    }

    private void awaitWorkerPort(ManagedProcess router) throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (registry.ports(router.pid()).map(p -> p.holds().size() < 2).orElse(true)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the router " + router.pid() + " was not given the worker's port");
            }
            Thread.sleep(10);
        }
    }

    private ManagedProcess sample(Path samples, String launcher, ProcessType type, List<ManagedProcess> started)
            throws SpawnException {
        ManagedProcess p = factory.spawn(SpawnSpec.builder(samples.resolve("bin/" + launcher).toString())
            .name("bench-" + launcher).type(type).readiness(Readiness.PORT)
            .env("PATH", "/usr/bin:/bin").env("JAVA_HOME", System.getProperty("java.home")).build());
        started.add(p);
        return p;
    }

    private static void awaitReady(ManagedProcess p) throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (p.state() != ProcessState.READY) {
            if (p.state() == ProcessState.EXITED || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(p.name() + " (pid " + p.pid() + ") did not become ready: "
                    + p.state() + p.logFile().map(l -> ", see " + l).orElse(""));
            }
            Thread.sleep(10);
        }
    }

    private Path samples() {
        String home = context.getProperty("corral.home");
        Path samples = home == null ? null : Path.of(home, "samples");
        if (samples == null || !Files.isDirectory(samples.resolve("bin"))) {
            throw new IllegalStateException("no samples directory under corral.home \"" + home + "\": run the"
                + " distribution (bin/corral) or set corral.home");
        }
        return samples;
    }

    private static int number(String[] args, int i, String option) {
        if (i >= args.length) {
            throw usage(option + " needs a number of round trips");
        }
        try {
            return Integer.parseInt(args[i]);
        } catch (NumberFormatException e) {
            throw usage(option + " \"" + args[i] + "\": must be a whole number");
        }
    }

    private static IllegalArgumentException usage(String message) {
        return new IllegalArgumentException("corral:bench-ports: " + message + " (see: help corral:bench-ports)");
    }

    /** The baseline binary from this bundle, made runnable in its data area. */
    private Path install() throws IOException {
        try {
            return BundleBinary.install(context, BASELINE);
        } catch (io.corral.api.isolation.IsolationException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
