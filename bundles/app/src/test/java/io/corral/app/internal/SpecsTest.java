package io.corral.app.internal;

import static org.junit.Assert.assertEquals;

import io.corral.api.isolation.Resources;
import io.corral.api.process.SpawnSpec;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.DocumentValidator;
import java.nio.file.Path;
import java.util.Map;
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
    public void noResourcesIsTheDefault() throws Exception {
        assertEquals(Resources.NONE, Specs.of(app("\"processes\": 1"), Path.of("/tmp/web.log"), false).resources());
    }
}
