package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.Resources;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.DocumentValidator;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class SpecsTest {

    private static AppConfig app(String members) throws Exception {
        return DocumentValidator.validate("{\"applications\": {\"web\": {\"type\": \"external\","
            + " \"executable\": \"/bin/sleep\", " + members + "}}}").applications().get("web");
    }

    @Test
    public void theApplicationsLimitsAndCgroupGoIntoEverySpec() throws Exception {
        AppConfig web = app("\"resources\": {\"memory_max\": \"64M\", \"pids_max\": 32, \"cpu_max\": 0.5,"
            + " \"rlimits\": {\"nofile\": 256, \"core\": \"unlimited\"}},"
            + " \"isolation\": {\"cgroup\": {\"path\": \"/scope2/python\"}}");
        SpawnSpec spec = Specs.of(web, Path.of("/tmp/web.log"), false);
        Resources expected = Resources.builder().memoryMax(64L << 20).pidsMax(32).cpuMax(0.5)
            .rlimit("nofile", 256).rlimit("core", Resources.UNLIMITED).cgroupPath("/scope2/python").build();
        assertEquals(expected, spec.resources());
        assertEquals(Map.of("nofile", 256L, "core", Resources.UNLIMITED), spec.resources().rlimits());
    }

    @Test
    public void theFileSystemAndNewPrivsGoIntoEverySpec() throws Exception {
        AppConfig web = app("\"isolation\": {\"namespaces\": {\"mount\": true, \"pid\": true},"
            + " \"rootfs\": \"/srv/app-root\", \"automount\": {\"tmpfs\": false}, \"read_only_root\": true,"
            + " \"new_privs\": false, \"mounts\": [{\"type\": \"bind\", \"source\": \"/usr\", \"destination\":"
            + " \"/usr\", \"read_only\": true}, {\"type\": \"dev\", \"destination\": \"/dev\"}]}");
        SpawnSpec spec = Specs.of(web, Path.of("/tmp/web.log"), false);
        Filesystem expected = Filesystem.builder().rootfs("/srv/app-root").procfs(true).tmpfs(false)
            .languageDeps(true).readOnlyRoot(true).mount(Filesystem.Mount.bind("/usr", "/usr", true))
            .mount(Filesystem.Mount.dev("/dev")).build();
        assertEquals(expected, spec.filesystem());
        assertFalse(spec.isolation().newPrivileges());
        assertEquals(Set.of(Namespace.MOUNT, Namespace.PID), spec.isolation().namespaces());
    }

    @Test
    public void noFileSystemIsolationIsTheHostsTree() throws Exception {
        SpawnSpec spec = Specs.of(app("\"processes\": 1"), Path.of("/tmp/web.log"), false);
        assertEquals(Filesystem.NONE, spec.filesystem());
        assertTrue(spec.isolation().newPrivileges());
    }

    @Test
    public void noResourcesIsTheDefault() throws Exception {
        assertEquals(Resources.NONE, Specs.of(app("\"processes\": 1"), Path.of("/tmp/web.log"), false).resources());
    }

    private static AppConfig relative(String members) throws Exception {
        return DocumentValidator.validate("{\"applications\": {\"web\": {\"type\": \"external\", " + members
            + "}}}").applications().get("web");
    }

    @Test
    public void aRelativeExecutableIsInTheWorkingDirectoryNotInPath() throws Exception {
        assertEquals("/srv/app/run", Specs.of(relative("\"executable\": \"run\", \"working_directory\": \"/srv/app\""),
            Path.of("/tmp/web.log"), false).executable());
        assertEquals("/srv/app/./bin/run", Specs.of(relative("\"executable\": \"./bin/run\","
            + " \"working_directory\": \"/srv/app/\""), Path.of("/tmp/web.log"), false).executable());
        assertEquals(Path.of("").toAbsolutePath() + "/sleep",
            Specs.of(relative("\"executable\": \"sleep\""), Path.of("/tmp/web.log"), false).executable());
        assertEquals("/bin/sleep", Specs.of(app("\"working_directory\": \"/srv/app\""), Path.of("/tmp/web.log"),
            false).executable());
    }

    @Test
    public void stdoutAndStderrReplaceTheLogForTheirStream() throws Exception {
        Path log = Path.of("/tmp/web.log");
        SpawnSpec both = Specs.of(app("\"stdout\": \"out.log\", \"stderr\": \"/var/log/web.err\","
            + " \"working_directory\": \"/srv/app\""), log, false);
        assertEquals(Stdio.Redirect.appendTo(Path.of("/srv/app/out.log")), both.stdio().output());
        assertEquals(Stdio.Redirect.appendTo(Path.of("/var/log/web.err")), both.stdio().error());
        SpawnSpec errOnly = Specs.of(app("\"stderr\": \"/var/log/web.err\""), log, false);
        assertEquals(Stdio.Redirect.appendTo(log), errOnly.stdio().output());
        assertEquals(Stdio.Redirect.appendTo(Path.of("/var/log/web.err")), errOnly.stdio().error());
        SpawnSpec neither = Specs.of(app("\"processes\": 1"), log, false);
        assertEquals(Stdio.Redirect.appendTo(log), neither.stdio().output());
        assertEquals(Stdio.Redirect.appendTo(log), neither.stdio().error());
    }
}
