package io.corral.bench.internal;

import io.corral.api.isolation.IsolationException;
import io.corral.api.process.ProcessFactory;
import io.corral.spawner.BundleBinary;
import java.nio.file.Path;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code corral:bench}: Corral's spawn speed and footprint against its baselines, in one run. */
@Component(service = BenchCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=bench"
})
public final class BenchCommand {

    private final ProcessFactory factory;
    private final BundleContext context;

    @Activate
    public BenchCommand(@Reference ProcessFactory factory, BundleContext context) {
        this.factory = factory;
        this.context = context;
    }

    @Descriptor("measure spawn-to-exit of /bin/true (Corral without and with namespaces, ProcessBuilder, posix_spawn"
        + " from C) and the JVM's threads, RSS and descriptors with many live children")
    public void bench(
            @Descriptor("spawns per way") @Parameter(names = "-n", absentValue = "2000") int n,
            @Descriptor("live children for the footprint (0 to skip)")
            @Parameter(names = "--children", absentValue = "1000") int children,
            @Descriptor("interleaved rounds") @Parameter(names = "--rounds", absentValue = "5") int rounds,
            @Descriptor("unmeasured spawns per way first, for the JIT (and the kernel's caches)")
            @Parameter(names = "--warmup", absentValue = "1000") int warmup,
            @Descriptor("namespaces of the isolated way, comma-separated")
            @Parameter(names = "--ns", absentValue = "credential,pid,mount,uname,ipc") String ns,
            @Descriptor("also measure spawns in this root file system (the host's /usr bound read-only, proc, dev),"
                + " and bubblewrap doing the same when it is installed")
            @Parameter(names = "--rootfs", absentValue = "") String rootfs)
            throws Exception {
        Path root = rootfs.isEmpty() ? null : Path.of(rootfs);
        if (root != null && (!root.isAbsolute() || !java.nio.file.Files.isDirectory(root))) {
            throw new IllegalArgumentException("corral:bench: --rootfs \"" + rootfs + "\": must be an existing"
                + " directory, given as an absolute path");
        }
        Path bwrap = java.util.stream.Stream.of("/usr/bin/bwrap", "/bin/bwrap").map(Path::of)
            .filter(java.nio.file.Files::isExecutable).findFirst().orElse(null);
        if (root != null && bwrap == null) {
            System.out.println("bubblewrap (bwrap) is not installed: only Corral is measured in the root");
        }
        if (n < rounds || rounds < 1) {
            throw new IllegalArgumentException("corral:bench: -n " + n + " must be at least --rounds " + rounds
                + ", and --rounds at least 1");
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("corral:bench: --warmup " + warmup + " must not be negative");
        }
        if (children < 0) {
            throw new IllegalArgumentException("corral:bench: --children " + children + " must not be negative");
        }
        Path baseline;
        try {
            baseline = BundleBinary.install(context, "spawn-baseline");
        } catch (IsolationException e) {
            throw new IllegalStateException(e.getMessage());
        }
        SpawnBenchmark bench = new SpawnBenchmark(factory, baseline);
        java.util.Set<io.corral.api.isolation.Namespace> namespaces =
            java.util.EnumSet.noneOf(io.corral.api.isolation.Namespace.class);
        for (String key : ns.split(",")) {
            if (!key.isBlank()) {
                namespaces.add(io.corral.api.isolation.Namespace.parse(key.trim()));
            }
        }
        List<SpawnBenchmark.Result> results = bench.run(n, rounds, warmup, namespaces, root, bwrap);
        double c = results.get(0).meanMicros();
        double pb = results.get(1).meanMicros();
        System.out.printf("spawn-to-exit of /bin/true, %d per way in %d interleaved rounds, after %d warm-up spawns"
            + " per way%n", n, rounds, warmup);
        int width = results.stream().mapToInt(r -> r.name().length()).max().orElse(3);
        System.out.printf("%-" + width + "s %10s %10s %9s %9s%n", "way", "mean us", "median us", "x C", "x PB");
        for (SpawnBenchmark.Result r : results) {
            System.out.printf("%-" + width + "s %10.1f %10.1f %9.2f %9.2f%n", r.name(), r.meanMicros(),
                r.medianMicros(), r.meanMicros() / c, r.meanMicros() / pb);
        }
        if (children > 0) {
            System.out.printf("%nJVM footprint with %d live /bin/sleep children%n", children);
            System.out.printf("%-16s %8s %10s %12s%n", "spawner", "threads", "RSS MiB", "descriptors");
            for (SpawnBenchmark.Footprint f : List.of(bench.corralChildren(children),
                    SpawnBenchmark.processBuilderChildren(children))) {
                System.out.printf("%-16s %8d %10.1f %12d%n", f.name(), f.threads(), f.rssKb() / 1024.0,
                    f.descriptors());
            }
        }
    }
}
