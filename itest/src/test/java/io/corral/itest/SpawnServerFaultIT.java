package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.StopOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The spawn server killed (kill -9) in the middle of bursts of spawns, again
 * and again: no call hangs, every process left running is known and
 * supervised, none outlives its stop, and nothing leaks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SpawnServerFaultIT {

    private static final int ROUNDS = 20;
    private static final int THREADS = 4;
    private static final int SPAWNS_PER_THREAD = 8;

    @Inject
    private ProcessFactory factory;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    private SpawnSpec sleep(String marker, boolean isolated) {
        SpawnSpec.Builder b = SpawnSpec.builder("/bin/sleep").arguments(marker).name("fault");
        if (isolated) {
            b.isolation(IsolationRequest.of(EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT)));
        }
        return b.build();
    }

    private static int cloneServer(int jvm) throws InterruptedException {
        Procs.waitUntil("a linux-clone spawn server", 10_000,
            () -> !Procs.childrenRunning(jvm, "corral-spawnd clone").isEmpty());
        return Procs.childrenRunning(jvm, "corral-spawnd clone").get(0);
    }

    /** Stops them all at once and waits for every exit. */
    private void stopAll(List<ManagedProcess> ps) throws Exception {
        List<java.util.concurrent.CompletableFuture<?>> stops = new ArrayList<>();
        for (ManagedProcess p : ps) {
            stops.add(p.stop(StopOptions.of(Duration.ZERO, Duration.ofSeconds(2))).toCompletableFuture());
        }
        for (var f : stops) {
            f.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void killingTheSpawnServerDuringBurstsLeavesNothingUnknown() throws Exception {
        int jvm = Procs.self();
        String marker = "5" + (System.nanoTime() % 100_000_000L);
        Random random = new Random(42);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        // Warm up every path the rounds take, so that lazily made descriptors and threads exist first.
        List<ManagedProcess> warm = new ArrayList<>();
        for (boolean isolated : new boolean[] {false, true}) {
            warm.add(factory.spawn(sleep(marker, isolated)));
        }
        stopAll(warm);
        int fds = Procs.descriptors(jvm);
        int threads = Procs.threads();
        int failed = 0;
        int spawned = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int server = cloneServer(jvm);
                List<Future<List<ManagedProcess>>> bursts = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    boolean isolated = t % 2 == 1;
                    bursts.add(pool.submit(() -> {
                        List<ManagedProcess> mine = new ArrayList<>();
                        for (int i = 0; i < SPAWNS_PER_THREAD; i++) {
                            try {
                                mine.add(factory.spawn(sleep(marker, isolated)));
                            } catch (SpawnException e) {
                                mine.add(null);
                            }
                        }
                        return mine;
                    }));
                }
                Thread.sleep(random.nextInt(30));
                Procs.kill9(server);
                List<ManagedProcess> started = new ArrayList<>();
                for (Future<List<ManagedProcess>> f : bursts) {
                    // No call hangs: each burst of 8 is done well within 10 s a call.
                    for (ManagedProcess p : f.get(SPAWNS_PER_THREAD * 10L, TimeUnit.SECONDS)) {
                        if (p == null) {
                            failed++;
                        } else {
                            started.add(p);
                        }
                    }
                }
                spawned += started.size();
                // Whatever runs is known and supervised; the orphans of the dead server are killed.
                Set<Integer> known = factory.processes().stream()
                    .filter(p -> p.state() != ProcessState.EXITED).map(ManagedProcess::pid)
                    .collect(Collectors.toSet());
                Procs.waitUntil("round " + round + ": every sleep known", 5_000, () -> Procs.running("sleep " + marker)
                    .stream().allMatch(pid -> known.contains(pid) || known.contains(Procs.parent(pid))));
                stopAll(started);
                Procs.waitUntil("round " + round + ": no sleep left", 5_000,
                    () -> Procs.running("sleep " + marker).isEmpty());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue("some spawns succeeded (" + spawned + ") and some failed (" + failed + ")", spawned > 0);
        Procs.waitUntil("no zombie", 5_000, () -> Procs.zombies(jvm).isEmpty());
        for (int server : Procs.childrenRunning(jvm, "corral-spawnd")) {
            assertEquals("children of spawn server " + server, List.of(), Procs.children(server));
        }
        Procs.waitUntil("JVM descriptors back to " + fds + " from " + Procs.descriptors(jvm), 5_000,
            () -> Procs.descriptors(jvm) <= fds);
        // The executor's threads are gone once it is shut down.
        Procs.waitUntil("threads back to " + threads + " from " + Procs.threads(), 5_000,
            () -> Procs.threads() <= threads);
    }
}
