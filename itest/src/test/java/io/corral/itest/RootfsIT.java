package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.Filesystem;
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
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** A root file system of the process's own: what it sees, and that nothing leads out of it. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RootfsIT {

    private static final Set<Namespace> CRED_PID_MOUNT = EnumSet.of(Namespace.CREDENTIAL, Namespace.PID,
        Namespace.MOUNT);

    @Inject
    private ProcessFactory factory;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    /** An empty root with the host's merged-/usr links; /usr itself comes as a read-only bind. */
    private static Path root() throws Exception {
        Path root = Files.createTempDirectory("corral-root");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectory(root.resolve("usr"));
        for (String link : List.of("bin", "sbin", "lib", "lib64")) {
            Path host = Path.of("/" + link);
            if (Files.isSymbolicLink(host)) {
                Files.createSymbolicLink(root.resolve(link), Files.readSymbolicLink(host));
            }
        }
        return root;
    }

    private String run(Filesystem fs, String script) throws Exception {
        Path out = Files.createTempFile("corral-rootfs", ".txt");
        ManagedProcess p = factory.spawn(SpawnSpec.builder("/bin/sh").arguments("-c", script)
            .isolation(IsolationRequest.of(CRED_PID_MOUNT)).filesystem(fs)
            .stdio(Stdio.files(null, out, out)).build());
        assertEquals(ExitStatus.exited(0), p.waitFor(Duration.ofSeconds(20)).orElseThrow());
        return Files.readString(out);
    }

    @Test
    public void theRootIsAllItSeesAndATakenOffProcShowsNoHostProcess() throws Exception {
        Path root = root();
        Filesystem fs = Filesystem.builder().rootfs(root.toString()).tmpfs(true)
            .mount(Filesystem.Mount.bind("/usr", "/usr", true)).mount(Filesystem.Mount.dev("/dev")).build();
        // A device the host has and the minimal /dev does not (a disk where the host has one).
        String hostDevice = java.util.stream.Stream.of("/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/kmsg",
            "/dev/loop0").filter(d -> Files.exists(Path.of(d))).findFirst().orElse("/dev/kmsg");
        String privateFile = "/tmp/corral-private-" + System.nanoTime();
        String out = run(fs, "ls -A /; echo ---;"
            + " cat /etc/hostname >/dev/null 2>&1 && echo HOST-FILE;"
            + " touch /usr/corral-x 2>/dev/null && echo USR-WRITABLE;"
            + " echo tmp $(ls -A /tmp | wc -l);"
            + " echo hi > /dev/null && echo dev-null;"
            + " test -e " + hostDevice + " && echo HOST-DEVICE;"
            + " touch " + privateFile + ";"
            + " mount -o remount,bind,rw /usr 2>/dev/null && echo REMOUNTED;"
            + " umount /proc 2>/dev/null && echo PROC-OFF;"
            + " echo pids $(ls /proc | grep -c '^[0-9]')");
        String[] parts = out.split("---\n", 2);
        Set<String> seen = new TreeSet<>(parts[0].lines().toList());
        Set<String> expected = new TreeSet<>(List.of("usr", "proc", "tmp", "dev"));
        try (var entries = Files.list(root)) {
            entries.forEach(e -> expected.add(e.getFileName().toString()));
        }
        assertEquals(out, expected, seen);
        assertTrue(out, parts[1].startsWith("tmp 0\ndev-null\npids "));
        assertTrue("the private /tmp's file is not the host's", !Files.exists(Path.of(privateFile)));
        assertNamespacePidsOnly(out);
    }

    /** The last line counts the pids /proc shows: the namespace's few, never the host's. */
    private static void assertNamespacePidsOnly(String out) {
        String last = out.lines().reduce((a, b) -> b).orElse("");
        int pids = Integer.parseInt(last.substring(last.indexOf(' ') + 1));
        assertTrue(out, last.startsWith("pids ") && pids >= 2 && pids < 10);
    }

    @Test
    public void withoutARootfsTheFreshProcCannotBeTakenOffEither() throws Exception {
        // The host's tree, and the fresh /proc a pid and mount namespace get.
        String out = run(Filesystem.NONE, "umount /proc 2>/dev/null && echo PROC-OFF;"
            + " unshare -Urm sh -c 'echo nested; umount /proc 2>/dev/null && echo NESTED-OFF';"
            + " echo pids $(ls /proc | grep -c '^[0-9]')");
        assertTrue(out, out.startsWith("nested\npids "));
        assertNamespacePidsOnly(out);
    }

    @Test
    public void aRootfsIsCheckedBeforeAnythingIsCreated() throws Exception {
        Object[][] cases = {
            {SpawnSpec.builder("/bin/true").isolation(IsolationRequest.of(CRED_PID_MOUNT))
                .filesystem(Filesystem.builder().rootfs("/no/such/root").build()),
                "rootfs \"/no/such/root\": no such directory"},
            {SpawnSpec.builder("/bin/true").isolation(IsolationRequest.of(EnumSet.of(Namespace.CREDENTIAL)))
                .filesystem(Filesystem.builder().rootfs(root().toString()).build()),
                "a rootfs or mounts require the \"mount\" namespace"},
            {SpawnSpec.builder("true").isolation(IsolationRequest.of(CRED_PID_MOUNT))
                .filesystem(Filesystem.builder().rootfs(root().toString()).build()),
                "executable \"true\": with a rootfs it must be an absolute path inside it"},
        };
        for (Object[] c : cases) {
            int before = factory.processes().size();
            try {
                factory.spawn(((SpawnSpec.Builder) c[0]).build());
                fail("must be refused: " + c[1]);
            } catch (SpawnException e) {
                assertEquals((String) c[1], e.getMessage());
            }
            assertEquals(before, factory.processes().size());
        }
        try {
            Filesystem.builder().rootfs("/");
            fail("\"/\" is refused");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("other than \"/\""));
        }
    }
}
