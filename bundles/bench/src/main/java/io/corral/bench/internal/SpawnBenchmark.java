package io.corral.bench.internal;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Spawn-to-exit of /bin/true four ways, measured in one run and interleaved
 * in rounds so that drift of the machine hits every way alike.
 */
final class SpawnBenchmark {

    /** One way of running /bin/true to its exit. */
    interface Way {
        void runOnce() throws Exception;
    }

    record Result(String name, double meanMicros, double medianMicros) {
    }

    private static final Path TRUE = Path.of("/bin/true");
    private static final java.time.Duration TEN_SECONDS = java.time.Duration.ofSeconds(10);
    private static final Stdio DEV_NULL = Stdio.files(null, Path.of("/dev/null"), Path.of("/dev/null"));

    private final ProcessFactory factory;
    private final Path baseline;

    SpawnBenchmark(ProcessFactory factory, Path baseline) {
        this.factory = factory;
        this.baseline = baseline;
    }

    /** The namespaces the goal names: credential, pid, mount, uname and ipc. */
    static final java.util.Set<Namespace> FULL = EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT,
        Namespace.UNAME, Namespace.IPC);

    /** The given namespaces; with a credential namespace, a one-entry map of the caller's uid to 0. */
    static IsolationRequest isolation(java.util.Set<Namespace> namespaces) {
        int uid = io.corral.posix.Posix.getuid();
        return new IsolationRequest(namespaces, namespaces.contains(Namespace.CREDENTIAL)
            ? List.of(new IdMapEntry(0, uid, 1)) : List.of(), List.of(), null, true);
    }

    Way corral(IsolationRequest isolation) {
        return corral(SpawnSpec.builder(TRUE.toString()).name("bench").isolation(isolation).stdio(DEV_NULL).build());
    }

    /** In a root file system: the host's /usr read-only, a fresh /proc and a minimal /dev, as bubblewrap below. */
    Way corralInRoot(IsolationRequest isolation, Path root) {
        return corral(SpawnSpec.builder(TRUE.toString()).name("bench").isolation(isolation).stdio(DEV_NULL)
            .filesystem(Filesystem.builder().rootfs(root.toString()).mount(Filesystem.Mount.bind("/usr", "/usr", true))
                .mount(Filesystem.Mount.dev("/dev")).build()).build());
    }

    /** bubblewrap doing the same, started by Corral without namespaces (the cheapest launch the JVM has). */
    Way bubblewrap(Path bwrap, java.util.Set<Namespace> namespaces, Path root) {
        List<String> args = new ArrayList<>();
        for (Namespace ns : namespaces) {
            switch (ns) {
                case CREDENTIAL -> args.add("--unshare-user");
                case PID -> args.add("--unshare-pid");
                case UNAME -> args.add("--unshare-uts");
                case IPC -> args.add("--unshare-ipc");
                case NETWORK -> args.add("--unshare-net");
                case CGROUP -> args.add("--unshare-cgroup");
                default -> { } // a mount namespace is bubblewrap's always
            }
        }
        args.addAll(List.of("--bind", root.toString(), "/", "--ro-bind", "/usr", "/usr", "--proc", "/proc",
            "--dev", "/dev", TRUE.toString()));
        return corral(SpawnSpec.builder(bwrap.toString()).name("bench-bwrap").arguments(args).stdio(DEV_NULL)
            .build());
    }

    private Way corral(SpawnSpec spec) {
        return () -> {
            ExitStatus s = factory.spawn(spec).waitFor(TEN_SECONDS).orElseThrow(
                () -> new IllegalStateException("/bin/true under Corral did not exit within 10 s"));
            if (!s.success()) {
                throw new IllegalStateException("/bin/true under Corral: " + s);
            }
        };
    }

    /** stdin, stdout and stderr piped: the server makes the pipes; stdout is read to its end. */
    private Way corralPiped() {
        SpawnSpec spec = SpawnSpec.builder(TRUE.toString()).name("bench").stdio(Stdio.PIPES).build();
        return () -> {
            ManagedProcess p = factory.spawn(spec);
            if (p.stdout().read() != -1) {
                throw new IllegalStateException("/bin/true under Corral wrote to its stdout");
            }
            ExitStatus s = p.waitFor(TEN_SECONDS).orElseThrow(
                () -> new IllegalStateException("/bin/true under Corral did not exit within 10 s"));
            if (!s.success()) {
                throw new IllegalStateException("/bin/true under Corral: " + s);
            }
        };
    }

    static Way processBuilder() {
        ProcessBuilder pb = new ProcessBuilder(TRUE.toString()).redirectInput(ProcessBuilder.Redirect.from(
            new java.io.File("/dev/null"))).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        return () -> {
            if (pb.start().waitFor() != 0) {
                throw new IllegalStateException("/bin/true under ProcessBuilder failed");
            }
        };
    }

    private static String keys(java.util.Set<Namespace> namespaces, String separator) {
        return namespaces.stream().map(Namespace::key).collect(java.util.stream.Collectors.joining(separator));
    }

    /** Times {@code n} runs; returns nanoseconds per run, sorted. */
    static long[] time(Way way, int n) throws Exception {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            way.runOnce();
            t[i] = System.nanoTime() - start;
        }
        return t;
    }

    /**
     * A row measured by spawn-baseline from C: posix_spawn + waitpid, or with
     * {@code options} (before N) another way; {@code program}: whether
     * {@code /bin/true} follows N.
     */
    record CRow(String name, List<String> options, boolean program) {
        static final CRow POSIX_SPAWN = new CRow("posix_spawn from C", List.of(), true);
        /** A process that exits at once, cloned and reaped: the least one more process per spawn costs. */
        static final CRow EMPTY_PROCESS = new CRow(
            "C clone of a process that exits at once (least one more process costs)", List.of("--empty"), false);

        /**
         * The kernel's floor for the namespaces (clone with their flags, nothing
         * else between caller and program); with an init too, the same with the
         * child staying as pid 1 and the program as pid 2, as Corral's init
         * does: what the kernel alone charges for that process.
         */
        static CRow kernelFloor(java.util.Set<Namespace> namespaces, boolean init) {
            List<String> options = new ArrayList<>();
            if (!namespaces.isEmpty()) {
                options.addAll(List.of("--ns", keys(namespaces, ",")));
            }
            if (init) {
                options.add("--init");
            }
            return new CRow("C clone, " + keys(namespaces, "+") + (init ? ", with an init" : "") + " (kernel floor)",
                options, true);
        }
    }

    /** Runs a C row {@code n} times: its mean and median in nanoseconds. */
    long[] baseline(int n, CRow row) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(baseline.toString()));
        command.addAll(row.options());
        command.add(Integer.toString(n));
        if (row.program()) {
            command.add(TRUE.toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("spawn-baseline failed: " + out);
        }
        String[] f = out.split(" ");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    }

    private static String corralName(java.util.Set<Namespace> namespaces, String suffix) {
        return "Corral, " + keys(namespaces, "+") + (namespaces.contains(Namespace.CREDENTIAL) ? ", one-entry map" : "")
            + suffix;
    }

    /** Runs every way {@code warmup} times unmeasured, then in {@code rounds} interleaved rounds of {@code n / rounds}. */
    List<Result> run(int n, int rounds, int warmup, java.util.Set<Namespace> namespaces, Path root, Path bwrap)
            throws Exception {
        List<String> names = new ArrayList<>(List.of(CRow.POSIX_SPAWN.name(), "ProcessBuilder", "Corral, no namespaces",
            corralName(namespaces, "")));
        List<Way> wayList = new ArrayList<>(Arrays.asList(null, processBuilder(), corral(IsolationRequest.NONE),
            corral(isolation(namespaces))));
        // The standard streams' other ways: the default log file, and three pipes read to their end.
        names.add("Corral, no namespaces, log file (default)");
        wayList.add(corral(SpawnSpec.builder(TRUE.toString()).name("bench").build()));
        names.add("Corral, no namespaces, 3 pipes");
        wayList.add(corralPiped());
        if (namespaces.contains(Namespace.PID) && namespaces.size() > 1) {
            // The same without the pid namespace, hence without Corral's init: what the init costs.
            java.util.Set<Namespace> withoutPid = java.util.EnumSet.copyOf(namespaces);
            withoutPid.remove(Namespace.PID);
            names.add(corralName(withoutPid, " (no init)"));
            wayList.add(corral(isolation(withoutPid)));
        }
        if (root != null) {
            java.util.Set<Namespace> withMount = java.util.EnumSet.copyOf(namespaces);
            withMount.add(Namespace.MOUNT);
            names.add(corralName(withMount, ", rootfs (ro /usr, proc, dev)"));
            wayList.add(corralInRoot(isolation(withMount), root));
            if (bwrap != null) {
                names.add("bubblewrap, " + keys(withMount, "+") + ", the same root");
                wayList.add(bubblewrap(bwrap, withMount, root));
            }
        }
        // The C rows: posix_spawn before Corral's in each round, the others after.
        List<CRow> cRows = new ArrayList<>(List.of(CRow.POSIX_SPAWN, CRow.kernelFloor(namespaces, false)));
        if (namespaces.contains(Namespace.PID)) {
            cRows.add(CRow.kernelFloor(namespaces, true));
            cRows.add(CRow.EMPTY_PROCESS);
        }
        Way[] ways = wayList.toArray(new Way[0]);
        int per = Math.max(1, n / rounds);
        // Warm-up: JIT, page cache, the spawn server's first requests.
        for (int w = 1; w < ways.length; w++) {
            time(ways[w], warmup);
        }
        baseline(Math.max(1, warmup), CRow.POSIX_SPAWN);
        List<List<Long>> samples = new ArrayList<>();
        double[][] cMeans = new double[cRows.size()][rounds];
        double[][] cMedians = new double[cRows.size()][rounds];
        for (int w = 0; w < ways.length; w++) {
            samples.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            measure(cRows, 0, per, r, cMeans, cMedians);
            for (int w = 1; w < ways.length; w++) {
                for (long t : time(ways[w], per)) {
                    samples.get(w).add(t);
                }
            }
            for (int k = 1; k < cRows.size(); k++) {
                measure(cRows, k, per, r, cMeans, cMedians);
            }
        }
        List<Result> results = new ArrayList<>();
        results.add(cResult(cRows.get(0), cMeans[0], cMedians[0]));
        for (int w = 1; w < ways.length; w++) {
            long[] t = samples.get(w).stream().mapToLong(Long::longValue).sorted().toArray();
            results.add(new Result(names.get(w), Arrays.stream(t).average().orElse(0) / 1000, t[t.length / 2] / 1000.0));
        }
        for (int k = 1; k < cRows.size(); k++) {
            results.add(cResult(cRows.get(k), cMeans[k], cMedians[k]));
        }
        return results;
    }

    /** Round {@code r} of C row {@code k}: its mean and median into the arrays. */
    private void measure(List<CRow> cRows, int k, int per, int r, double[][] means, double[][] medians)
            throws IOException, InterruptedException {
        long[] f = baseline(per, cRows.get(k));
        means[k][r] = f[0];
        medians[k][r] = f[1];
    }

    /** A C row's result: the mean of its rounds' means, the median of their medians, in microseconds. */
    private static Result cResult(CRow row, double[] means, double[] medians) {
        return new Result(row.name(), Arrays.stream(means).average().orElse(0) / 1000,
            Arrays.stream(medians).sorted().toArray()[medians.length / 2] / 1000);
    }

    /** What {@code count} live children cost the JVM, under Corral and under ProcessBuilder. */
    record Footprint(String name, int children, int threads, long rssKb, int descriptors) {
    }

    Footprint corralChildren(int count) throws Exception {
        List<ManagedProcess> children = new ArrayList<>();
        try {
            SpawnSpec sleep = SpawnSpec.builder("/bin/sleep").name("bench-sleep").arguments("600")
                .stdio(DEV_NULL).build();
            for (int i = 0; i < count; i++) {
                children.add(factory.spawn(sleep));
            }
            return footprint("Corral", count);
        } finally {
            children.forEach(c -> c.signal(9));
            for (ManagedProcess c : children) {
                c.onExit().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    static Footprint processBuilderChildren(int count) throws Exception {
        List<Process> children = new ArrayList<>();
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sleep", "600").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
            for (int i = 0; i < count; i++) {
                children.add(pb.start());
            }
            return footprint("ProcessBuilder", count);
        } finally {
            children.forEach(Process::destroyForcibly);
            for (Process p : children) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Footprint footprint(String name, int children) throws IOException {
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) s.count();
        }
        return new Footprint(name, children, threads, rss, fds);
    }
}
