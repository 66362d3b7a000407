package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Filesystem.Mount;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnSpec;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.Test;

/**
 * corral:spawn's resource and file-system options, through the command itself with a factory that only
 * records the spec.
 */
public class SpawnOptionsTest {

    private static final String SEE = " (see: help corral:spawn)";

    /** Thrown by the recording factory instead of spawning. */
    private static final class Recorded extends RuntimeException {
        final transient SpawnSpec spec;

        Recorded(SpawnSpec spec) {
            super("recorded", null, false, false);
            this.spec = spec;
        }
    }

    private final ProcessCommands commands = new ProcessCommands();
    private int spawns;

    public SpawnOptionsTest() throws Exception {
        ProcessFactory recorder = (ProcessFactory) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ProcessFactory.class}, (proxy, method, args) -> {
                if (method.getName().equals("spawn")) {
                    spawns++;
                    throw new Recorded((SpawnSpec) args[0]);
                }
                throw new UnsupportedOperationException(method.getName());
            });
        Fakes.inject(commands, "factory", recorder);
    }

    private SpawnSpec spec(String... args) throws Exception {
        try {
            commands.spawn(args);
        } catch (Recorded r) {
            return r.spec;
        }
        fail("not spawned");
        return null;
    }

    private String refused(String... args) throws Exception {
        int before = spawns;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.spawn(args));
        assertEquals("nothing is spawned", before, spawns);
        return e.getMessage();
    }

    @Test
    public void everyOptionGoesIntoTheSpecsResources() throws Exception {
        Resources r = spec("--memory-max", "64M", "--pids-max", "32", "--cpu-max", "0.5", "--rlimit", "nofile=256",
            "--rlimit", "core=unlimited", "--cgroup", "scope/python", "/bin/true").resources();
        assertEquals(OptionalLong.of(64L * 1024 * 1024), r.memoryMax());
        assertEquals(OptionalInt.of(32), r.pidsMax());
        assertEquals(OptionalDouble.of(0.5), r.cpuMax());
        assertEquals(Map.of("nofile", 256L, "core", Resources.UNLIMITED), r.rlimits());
        assertEquals("scope/python", r.cgroupPath().orElseThrow());
    }

    @Test
    public void withoutThemTheSpecAsksNothing() throws Exception {
        SpawnSpec s = spec("--name", "plain", "/bin/true", "--memory-max", "1");
        assertEquals(Resources.NONE, s.resources());
        // After the executable, options are the program's arguments.
        assertEquals(java.util.List.of("--memory-max", "1"), s.arguments());
    }

    @Test
    public void memoryInBytesOrWithASuffixAndAtLeastOneMebibyte() throws Exception {
        assertEquals(OptionalLong.of(1048576), spec("--memory-max", "1048576", "x").resources().memoryMax());
        assertEquals(OptionalLong.of(2L << 30), spec("--memory-max", "2g", "x").resources().memoryMax());
        assertEquals("corral:spawn: --memory-max \"64MB\": expected bytes, or a whole number with K, M, G or T"
            + " (powers of 1024), e.g. 64M" + SEE, refused("--memory-max", "64MB", "x"));
        assertEquals("corral:spawn: --memory-max \"1.5G\": expected bytes, or a whole number with K, M, G or T"
            + " (powers of 1024), e.g. 64M" + SEE, refused("--memory-max", "1.5G", "x"));
        assertEquals("corral:spawn: --memory-max \"512K\": must be at least 1M (1048576 bytes)" + SEE,
            refused("--memory-max", "512K", "x"));
        assertEquals("corral:spawn: --memory-max \"0\": must be at least 1M (1048576 bytes)" + SEE,
            refused("--memory-max", "0", "x"));
        assertEquals("corral:spawn: --memory-max \"8388608T\": must be at most 9223372036854775807 bytes" + SEE,
            refused("--memory-max", "8388608T", "x"));
        assertEquals("corral:spawn: --memory-max needs a size, e.g. 64M" + SEE, refused("--memory-max"));
    }

    @Test
    public void pidsMaxIsAPositiveWholeNumber() throws Exception {
        for (String bad : new String[] {"0", "-1", "1.5", "many", "2147483648"}) {
            assertEquals("corral:spawn: --pids-max \"" + bad + "\": must be a whole number from 1 to 2147483647"
                + SEE, refused("--pids-max", bad, "x"));
        }
        assertEquals(OptionalInt.of(2147483647), spec("--pids-max", "2147483647", "x").resources().pidsMax());
    }

    @Test
    public void cpuMaxIsADecimalNumberOfCpus() throws Exception {
        assertEquals(OptionalDouble.of(0.01), spec("--cpu-max", "0.01", "x").resources().cpuMax());
        assertEquals(OptionalDouble.of(2), spec("--cpu-max", "2", "x").resources().cpuMax());
        for (String bad : new String[] {"0", "0.001", "1025", "-1", "NaN", "Infinity", "1e1", "half", ".5"}) {
            assertEquals("corral:spawn: --cpu-max \"" + bad + "\": must be a number of CPUs from 0.01 to 1024,"
                + " e.g. 0.5" + SEE, refused("--cpu-max", bad, "x"));
        }
    }

    @Test
    public void rlimitsByNameWithANumberOrUnlimited() throws Exception {
        assertEquals(Map.of("nofile", 0L), spec("--rlimit", "nofile=7", "--rlimit", "nofile=0", "x")
            .resources().rlimits());
        assertEquals("corral:spawn: --rlimit \"nofile\": expected NAME=VALUE, e.g. nofile=1024" + SEE,
            refused("--rlimit", "nofile", "x"));
        assertEquals("corral:spawn: --rlimit \"=5\": expected NAME=VALUE, e.g. nofile=1024" + SEE,
            refused("--rlimit", "=5", "x"));
        assertEquals("corral:spawn: --rlimit \"files=5\": unknown limit \"files\"; known are as, core, cpu, data,"
            + " fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack" + SEE,
            refused("--rlimit", "files=5", "x"));
        for (String bad : new String[] {"-1", "", "infinity", "1K", "9223372036854775808"}) {
            assertEquals("corral:spawn: --rlimit \"core=" + bad + "\": the value must be a whole number from 0 to"
                + " 9223372036854775807, or unlimited" + SEE, refused("--rlimit", "core=" + bad, "x"));
        }
    }

    @Test
    public void cgroupPathFollowsUnitsRule() throws Exception {
        assertEquals("/scope2/python", spec("--cgroup", "/scope2/python", "x").resources().cgroupPath()
            .orElseThrow());
        assertEquals("a/..b", spec("--cgroup", "a/..b", "x").resources().cgroupPath().orElseThrow());
        for (String bad : new String[] {"", "..", "../scope", "scope/../python", "scope/.."}) {
            assertEquals("corral:spawn: --cgroup \"" + bad + "\": must not be empty nor have a \"..\" component"
                + SEE, refused("--cgroup", bad, "x"));
        }
        String longest = "a".repeat(4080);
        assertEquals(longest, spec("--cgroup", longest, "x").resources().cgroupPath().orElseThrow());
        String tooLong = "a".repeat(4081);
        assertEquals("corral:spawn: --cgroup \"" + tooLong + "\": must be at most 4080 bytes long" + SEE,
            refused("--cgroup", tooLong, "x"));
    }

    // ---- the file system ----

    @Test
    public void everyFileSystemOptionGoesIntoTheSpecInOrder() throws Exception {
        SpawnSpec s = spec("--ns", "mount,pid", "--rootfs", "/srv/app-root", "--ro-bind", "/usr", "--ro-bind",
            "/lib:/lib64", "--bind", "/srv/data:/data", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
            "--ro-root", "/bin/sh");
        Filesystem expected = Filesystem.builder().rootfs("/srv/app-root").readOnlyRoot(true)
            .mount(Mount.bind("/usr", "/usr", true)).mount(Mount.bind("/lib", "/lib64", true))
            .mount(Mount.bind("/srv/data", "/data", false)).mount(Mount.tmpfs("/tmp")).mount(Mount.proc("/proc"))
            .mount(Mount.dev("/dev")).build();
        assertEquals(expected, s.filesystem());
        assertEquals("/bin/sh", s.executable());
    }

    @Test
    public void aRootfsBringsAFreshProcAsUnitsAutomountDoes() throws Exception {
        Filesystem fs = spec("--ns", "mount", "--rootfs", "/srv/app-root/", "/bin/sh").filesystem();
        assertEquals("the trailing slash is dropped", "/srv/app-root", fs.rootfs().orElseThrow());
        assertTrue(fs.procfs());
        assertFalse("a private /tmp is --tmpfs /tmp", fs.tmpfs());
    }

    @Test
    public void withoutFileSystemOptionsTheSpecKeepsTheHostsTree() throws Exception {
        assertEquals(Filesystem.NONE, spec("--ns", "mount", "/bin/true").filesystem());
    }

    @Test
    public void theRootfsIsAnAbsolutePathOtherThanTheHostsRoot() throws Exception {
        for (String bad : new String[] {"/", "//", "srv/root", ""}) {
            assertEquals("corral:spawn: --rootfs \"" + bad + "\": must be an absolute path other than \"/\"" + SEE,
                refused("--ns", "mount", "--rootfs", bad, "x"));
        }
        assertEquals("corral:spawn: --rootfs needs a directory" + SEE, refused("--rootfs"));
    }

    @Test
    public void bindSourcesAndDestinationsAreAbsolute() throws Exception {
        assertEquals("corral:spawn: --ro-bind \"usr\": the source must be an absolute path" + SEE,
            refused("--ns", "mount", "--ro-bind", "usr", "x"));
        assertEquals("corral:spawn: --bind \":/data\": the source must be an absolute path" + SEE,
            refused("--ns", "mount", "--bind", ":/data", "x"));
        assertEquals("corral:spawn: --bind \"/srv/data:data\": the destination must be an absolute path" + SEE,
            refused("--ns", "mount", "--bind", "/srv/data:data", "x"));
        assertEquals("corral:spawn: --ro-bind \"/usr:\": the destination must be an absolute path" + SEE,
            refused("--ns", "mount", "--ro-bind", "/usr:", "x"));
        assertEquals("corral:spawn: --bind needs SRC[:DST]" + SEE, refused("--bind"));
    }

    @Test
    public void aDestinationHasNoDotDotComponent() throws Exception {
        assertEquals("corral:spawn: --ro-bind \"/etc:/a/../etc\": the destination must not have a \"..\""
            + " component" + SEE, refused("--ns", "mount", "--ro-bind", "/etc:/a/../etc", "x"));
        for (String option : new String[] {"--tmpfs", "--proc", "--dev"}) {
            assertEquals("corral:spawn: " + option + " \"/..\": the destination must not have a \"..\" component"
                + SEE, refused("--ns", "mount", option, "/..", "x"));
            assertEquals("corral:spawn: " + option + " \"tmp\": the destination must be an absolute path" + SEE,
                refused("--ns", "mount", option, "tmp", "x"));
        }
        assertEquals(List.of(Mount.tmpfs("/a..b/..c")), spec("--ns", "mount", "--tmpfs", "/a..b/..c", "x")
            .filesystem().mounts());
    }

    @Test
    public void mountsNeedTheMountNamespace() throws Exception {
        assertEquals("corral:spawn: --rootfs \"/srv/root\": needs the mount namespace (--ns mount)" + SEE,
            refused("--ns", "pid", "--rootfs", "/srv/root", "--tmpfs", "/tmp", "x"));
        assertEquals("corral:spawn: --tmpfs \"/tmp\": needs the mount namespace (--ns mount)" + SEE,
            refused("--tmpfs", "/tmp", "x"));
        assertEquals("corral:spawn: --ro-root: needs the mount namespace (--ns mount)" + SEE,
            refused("--ro-root", "x"));
    }

    @Test
    public void otherOptionsAreStillUnknown() throws Exception {
        assertEquals("corral:spawn: unknown option \"--memory\"" + SEE, refused("--memory", "64M", "x"));
    }
}
