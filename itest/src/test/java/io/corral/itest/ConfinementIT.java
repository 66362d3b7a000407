package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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

/**
 * What a child may never be, tried from outside as an attacker would look:
 * the host's root through a user namespace, pid 1 of its namespace (deaf
 * to SIGTERM, a sink of zombies), or in the JVM's session.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfinementIT {

    private static final Set<Namespace> CRED_PID_MOUNT = EnumSet.of(Namespace.CREDENTIAL, Namespace.PID,
        Namespace.MOUNT);

    @Inject
    private ProcessFactory factory;

    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    private static IsolationRequest mapped(Set<Namespace> ns, long host, long size) {
        List<IdMapEntry> map = List.of(new IdMapEntry(0, host, size));
        return new IsolationRequest(ns, map, map, null, true);
    }

    /** A root-only 0600 file and a root-only 0700 directory, in a directory anyone may enter. */
    private record RootOnly(Path secret, Path dir) {
        static RootOnly create() throws Exception {
            Path top = Files.createTempDirectory("corral-confinement");
            Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path secret = top.resolve("secret");
            Files.writeString(secret, "root's secret\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            Path dir = Files.createDirectory(top.resolve("private"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return new RootOnly(secret, dir);
        }
    }

    /**
     * The mapped child, no user given: uid 0 inside, the map's first host id
     * outside, for the program and for its init alike; and no more rights on
     * the host's files than that id has.
     */
    private void mappedChildIsTheMappedHostId(IsolationRequest iso, long hostId) throws Exception {
        RootOnly root = RootOnly.create();
        Path out = Files.createTempFile("corral-out", ".txt");
        String marker = "ready." + System.nanoTime();
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sh")
            .arguments("-c", "id -u; id -g; cat " + root.secret() + " && echo READ; touch " + root.dir()
                + "/x && echo CREATED; echo " + marker + "; exec sleep 30")
            .isolation(iso).stdio(Stdio.files(null, out, out)).build());
        try {
            Procs.waitUntil("the child's output", 10_000, () -> read(out).contains(marker));
            String text = read(out);
            assertEquals(text, List.of("0", "0"), text.lines().limit(2).toList());
            assertFalse("a mapped child read a root-only 0600 file: " + text, text.contains("READ"));
            assertFalse("a mapped child created a file in a root-only 0700 directory: " + text,
                text.contains("CREATED"));
            assertFalse(Files.exists(root.dir().resolve("x")));
            String ids = hostId + " " + hostId + " " + hostId + " " + hostId;
            List<Integer> seen = new java.util.ArrayList<>(List.of(p.pid()));
            seen.addAll(Procs.children(p.pid())); // the program, under init
            for (int pid : seen) {
                assertEquals("Uid of pid " + pid + " seen from the host", ids, Procs.status(pid, "Uid"));
                assertEquals("Gid of pid " + pid + " seen from the host", ids, Procs.status(pid, "Gid"));
            }
        } finally {
            p.signal(9);
            p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void aMappedChildWithoutAUserIsTheMappedHostIdNotRoot() throws Exception {
        mappedChildIsTheMappedHostId(mapped(CRED_PID_MOUNT, 100000, 65536), 100000);
    }

    @Test
    public void aChildMappedToTheHighestIdIsThatIdNotRoot() throws Exception {
        mappedChildIsTheMappedHostId(mapped(EnumSet.of(Namespace.CREDENTIAL), 4294967294L, 1), 4294967294L);
    }

    @Test
    public void mapsThatDoNotCoverTheChildsIdsAreRefusedBeforeAnythingRuns() throws Exception {
        int before = Procs.children(Procs.self()).size();
        List<IdMapEntry> map = List.of(new IdMapEntry(1, 100000, 10));
        IsolationRequest iso = new IsolationRequest(EnumSet.of(Namespace.CREDENTIAL), map, map, null, true);
        SpawnException e = org.junit.Assert.assertThrows(SpawnException.class,
            () -> factory.spawn(SpawnSpec.builder("/bin/true").isolation(iso).build()));
        assertEquals("\"uidmap\" has no \"container\" entry for user \"root\" (uid 0)", e.getMessage());
        assertEquals(before, Procs.children(Procs.self()).size());
    }

    @Test
    public void termEndsAnIsolatedProcessAtOnceAndIsReportedAsSignal15() throws Exception {
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30")
            .isolation(mapped(CRED_PID_MOUNT, 100000, 65536)).build());
        assertEquals("the program is pid 2; Corral's init is 1", 2, p.isolatedPid());
        long start = System.nanoTime();
        Gogo.run(processor, "corral:kill " + p.pid() + " TERM");
        ExitStatus status = p.onExit().toCompletableFuture().get(5, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(ExitStatus.killed(15), status);
        assertEquals(143, status.value());
        // The kernel used to drop it: pid 1 had no handler.
        assertTrue("SIGTERM took " + millis + " ms", millis < 100);
        assertTrue(Gogo.run(processor, "corral:ps").contains("killed by signal 15"));
    }

    @Test
    public void anIsolatedProgramsExitCodeIsReportedUnchanged() throws Exception {
        for (int code : new int[] {0, 7, 127, 128}) {
            ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sh").arguments("-c", "exit " + code)
                .isolation(mapped(CRED_PID_MOUNT, 100000, 65536)).build());
            assertEquals(ExitStatus.exited(code), p.waitFor(java.time.Duration.ofSeconds(10)).orElseThrow());
        }
    }

    @Test
    public void orphansInAPidNamespaceAreReapedNotLeftAsZombies() throws Exception {
        // The inner shell leaves a short sleep behind; the program then never waits for anything.
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sh")
            .arguments("-c", "sh -c 'sleep 0.1 &'; exec sleep 30")
            .isolation(mapped(CRED_PID_MOUNT, 100000, 65536)).build());
        try {
            Procs.waitUntil("the orphan to end", 5_000, () -> Procs.children(p.pid()).size() == 1);
            Thread.sleep(200);
            assertEquals("zombies under init", List.of(), Procs.zombies(p.pid()));
            assertEquals(1, Procs.children(p.pid()).size());
        } finally {
            p.signal(9);
            p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void everyChildLeadsASessionOfItsOwn() throws Exception {
        String jvmSession = session(Procs.self());
        for (Set<Namespace> ns : List.of(Set.<Namespace>of(), CRED_PID_MOUNT)) {
            IsolationRequest iso = ns.isEmpty() ? new IsolationRequest(ns, List.of(), List.of(), null, true)
                : mapped(ns, 100000, 65536);
            ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("30").isolation(iso).build());
            try {
                assertEquals("session of pid " + p.pid() + " " + ns, Integer.toString(p.pid()), session(p.pid()));
                assertNotEquals(jvmSession, session(p.pid()));
            } finally {
                p.signal(9);
                p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    public void anInitOutlivesAKilledSpawnServerAndStaysSupervised() throws Exception {
        // As root, init runs in the spawn server's memory: the server's death must not take it along.
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sh").arguments("-c", "sleep 1; exit 3")
            .isolation(mapped(CRED_PID_MOUNT, 100000, 65536)).build());
        List<Integer> servers = Procs.childrenRunning(Procs.self(), "corral-spawnd clone");
        assertEquals(servers.toString(), 1, servers.size());
        Procs.kill9(servers.get(0));
        Procs.waitUntil("the old server is gone", 5000, () -> !Procs.alive(servers.get(0)));
        assertTrue("init is alive", Procs.alive(p.pid()));
        // A new server takes over; the program still ends as it would have, and is seen to.
        assertEquals(ExitStatus.exited(3), p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS));
        ManagedProcess next = factory.spawn(SpawnSpec.builder("/bin/true")
            .isolation(mapped(CRED_PID_MOUNT, 100000, 65536)).build());
        assertEquals(ExitStatus.exited(0), next.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS));
        Procs.waitUntil("no zombie", 2000, () -> Procs.zombies(Procs.self()).isEmpty());
    }

    /** Field 6 of /proc/PID/stat, after the command's closing parenthesis. */
    private static String session(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3];
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
