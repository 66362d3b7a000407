package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IsolationProvider;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.StopOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** A cgroup per process, and the limits of Resources, with the API and the console. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CgroupIT {

    @Inject
    private ProcessFactory factory;

    @Inject
    private IsolationProvider provider;

    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    private static SpawnSpec.Builder sh(String script) {
        return SpawnSpec.builder("/bin/sh").arguments("-c", script);
    }

    private static final String HOG = "head -c 200M /dev/zero | tail";

    /** Forks 64 sleeps (argument 2) as far as the kernel lets it, writes how many to a file (argument 1), sleeps. */
    static final String FORKER = "my ($out, $mark) = @ARGV; my $n = 0; for (1 .. 64) { my $p = fork;"
        + " if (defined $p) { if ($p == 0) { exec 'sleep', $mark; exit 1 } $n++ } }"
        + " open(my $f, '>', $out) or die; print $f \"$n\\n\"; close $f; exec 'sleep', $mark";

    @Test
    public void overItsMemoryLimitAProcessIsOomKilledAndSaysSo() throws Exception {
        for (boolean isolated : new boolean[] {false, true}) {
            SpawnSpec.Builder spec = sh(isolated ? "exec sh -c '" + HOG + "'" : HOG)
                .resources(Resources.builder().memoryMax(64L << 20).build());
            if (isolated) {
                spec.isolation(IsolationRequest.of(EnumSet.of(Namespace.CREDENTIAL, Namespace.PID,
                    Namespace.MOUNT)));
            }
            ManagedProcess p = factory.spawn(spec.build());
            ExitStatus s = p.waitFor(Duration.ofSeconds(30)).orElseThrow();
            // tail is killed; the shell ends with its 128 + 9.
            assertTrue(isolated + ": " + s, s.oomKilled() && s.value() == 137);
            assertTrue(s.toString(), s.toString().contains("out of memory"));
        }
    }

    @Test
    public void pidsLimitRlimitsAndUsage() throws Exception {
        Path out = Files.createTempFile("corral-limits", ".txt");
        Path forks = Files.createTempFile("corral-forks", ".txt");
        ManagedProcess limited = factory.spawn(sh("ulimit -n > " + out).resources(Resources.builder()
            .rlimit("nofile", 32).build()).build());
        assertEquals(ExitStatus.exited(0), limited.waitFor(Duration.ofSeconds(10)).orElseThrow());
        assertEquals("32\n", Files.readString(out));

        ManagedProcess p = factory.spawn(SpawnSpec.builder("/usr/bin/perl").arguments("-e", FORKER,
            forks.toString(), "30").resources(Resources.builder().pidsMax(16).build()).build());
        int forked = Integer.parseInt(Procs.awaitLine(forks, 10_000).trim());
        assertTrue(forked + " of 64 forks", forked >= 1 && forked < 16);
        ResourceUsage u = p.usage().orElseThrow();
        assertEquals(u.toString(), forked + 1, u.processes());
        assertEquals(u.toString(), Procs.cgroupDir(p.pid()).toString(), Procs.cgroupDir(p.pid()).getParent()
            .resolve(Path.of(u.cgroup()).getFileName()).toString());
        p.stop(StopOptions.of(Duration.ZERO, Duration.ofSeconds(5))).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(p.usage().isEmpty());
    }

    @Test
    public void unitsCgroupPathNamesTheGroupItsProcessesLiveIn() throws Exception {
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30")
            .resources(Resources.builder().cgroupPath("scope/python").build()).build());
        Path dir = Procs.cgroupDir(p.pid());
        assertEquals(dir.toString(), "python", dir.getParent().getFileName().toString());
        assertEquals(dir.toString(), "scope", dir.getParent().getParent().getFileName().toString());
        p.stop(StopOptions.of(Duration.ZERO, Duration.ofSeconds(5))).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // Once its last process is gone, the named group goes too, as in Unit.
        Procs.waitUntil("scope removed", 3000, () -> !Files.exists(dir.getParent().getParent()));

        for (String bad : List.of("", "../scope", "scope/../python")) {
            try {
                factory.spawn(SpawnSpec.builder("/bin/true").resources(Resources.builder().cgroupPath(bad).build())
                    .build());
                fail("cgroup path \"" + bad + "\" must be refused");
            } catch (SpawnException e) {
                assertEquals("The cgroup path \"" + bad + "\" is invalid.", e.getMessage());
            }
        }
    }

    @Test
    public void theConsoleSetsLimitsAndShowsThem() throws Exception {
        try {
            Gogo.run(processor, "corral:spawn --wait --memory-max 64M /bin/sh -c \"" + HOG + "\"");
            fail("an OOM-killed process fails corral:spawn --wait");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().endsWith("failed: exit 137, out of memory (the OOM killer"
                + " ended a process of its cgroup)"));
        }
        Path forks = Files.createTempFile("corral-forks", ".txt");
        Path limits = Files.createTempFile("corral-limits", ".txt");
        Path forker = Files.createTempFile("corral-forker", ".pl");
        Files.writeString(forker, FORKER);
        String pid = Gogo.run(processor, "corral:spawn --pids-max 16 /usr/bin/perl " + forker + " " + forks + " 30")
            .trim();
        int forked = Integer.parseInt(Procs.awaitLine(forks, 10_000).trim());
        assertTrue(forked + " of 64 forks", forked >= 1 && forked < 16);
        String ps = Gogo.run(processor, "corral:ps");
        assertTrue(ps, ps.lines().anyMatch(l -> l.startsWith(pid + " ") && l.contains(" " + (forked + 1) + " ")));
        Gogo.run(processor, "corral:kill " + pid);
        Gogo.run(processor, "corral:spawn --wait --rlimit nofile=32 /bin/sh -c \"cat /proc/self/limits > " + limits
            + "\"");
        assertTrue(Files.readString(limits), Files.readString(limits).lines()
            .anyMatch(l -> l.matches("Max open files\\s+32\\s+32\\s+files\\s*")));
        int before = factory.processes().size();
        try {
            Gogo.run(processor, "corral:spawn --memory-max 64MB /bin/true");
            fail("a bad size is refused");
        } catch (IllegalArgumentException e) {
            assertEquals("corral:spawn: --memory-max \"64MB\": expected bytes, or a whole number with K, M, G or T"
                + " (powers of 1024), e.g. 64M (see: help corral:spawn)", e.getMessage());
        }
        assertEquals("nothing spawned", before, factory.processes().size());
        assertTrue(provider.resourceFeatures().toString(),
            provider.resourceFeatures().get("tracking").startsWith("yes"));
        String features = Gogo.run(processor, "corral:providers --resources");
        assertTrue(features, features.lines().anyMatch(l -> l.matches("linux-clone\\s+tracking\\s+yes, a cgroup v2"
            + " per process in .*")));
        assertTrue(features, features.lines().anyMatch(l -> l.matches("linux-clone\\s+rlimits\\s+yes.*")));
    }
}
