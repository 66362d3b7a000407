package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.credential.Credential;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.Test;

/** corral:ps's cgroup columns, in the table and in JSON. */
public class PsTest {

    private static final Resources LIMITED = Resources.builder().memoryMax(64L << 20).build();

    private static ManagedProcess process(int pid, String name, Optional<ResourceUsage> usage, Resources resources,
            Optional<ExitStatus> exit) {
        Map<String, Object> a = new HashMap<>();
        a.put("pid", pid);
        a.put("isolatedPid", pid);
        a.put("name", name);
        a.put("type", ProcessType.WORKER);
        a.put("state", exit.isPresent() ? ProcessState.EXITED : ProcessState.RUNNING);
        a.put("provider", "linux-clone");
        a.put("credential", new Credential(0, "root", 0, "root", List.of(), "/root"));
        a.put("namespaces", Set.of());
        a.put("startTime", Instant.parse("2024-05-01T10:00:00Z"));
        a.put("exitStatus", exit);
        a.put("usage", usage);
        a.put("resources", resources);
        return Fakes.process(a);
    }

    /** A process with a cgroup, one OOM-killed and gone, one without a cgroup. */
    private static String ps(boolean json) throws Exception {
        ProcessCommands commands = new ProcessCommands();
        Fakes.inject(commands, "admin", Fakes.admin(List.of(
            process(4242, "web", Optional.of(new ResourceUsage("/corral/4242", 3, 12_900_000, 64L << 20, 0)),
                LIMITED, Optional.empty()),
            process(4243, "hog", Optional.empty(), LIMITED, Optional.of(ExitStatus.builder().signal(9).oomKilled(true).build())),
            process(4244, "plain", Optional.of(new ResourceUsage("/corral/4244", 1, -1, -1, -1)), Resources.NONE,
                Optional.empty()))));
        return Fakes.printed(() -> commands.ps(json));
    }

    @Test
    public void theTableShowsProcessesAndMemoryAsCurrentOverLimit() throws Exception {
        // The last column wraps beside its row rather than being cut: its continuation joined back.
        List<String> lines = ps(false).replaceAll("\n {20,}", " ").lines().toList();
        assertTrue(lines.get(0), lines.get(0).matches("PID +NSPID +Name +Type +State +Provider +User +Namespaces"
            + " +Procs +Memory +Started +Exit"));
        assertTrue(lines.get(1), lines.get(1).matches("4242 .* root +- +3 +12.3M/64M +\\S+ +-"));
        assertTrue(lines.get(2), lines.get(2).matches("4243 .* root +- +- +-/64M +\\S+ +killed by signal 9 \\(137\\),"
            + " out of memory.*"));
        assertTrue(lines.get(3), lines.get(3).matches("4244 .* root +- +1 +- +\\S+ +-"));
    }

    @Test
    public void jsonHasTypedValuesAndNullWhenUnknown() throws Exception {
        JsonArray rows = JsonParser.parseString(ps(true)).getAsJsonArray();
        JsonObject web = rows.get(0).getAsJsonObject();
        assertEquals("/corral/4242", web.get("cgroup").getAsString());
        assertEquals(3, web.get("cgroup_processes").getAsJsonPrimitive().getAsNumber().intValue());
        assertEquals(12_900_000L, web.get("memory_current").getAsLong());
        assertEquals(64L << 20, web.get("memory_max").getAsLong());
        assertEquals(0, web.get("oom_kills").getAsLong());
        assertTrue(web.get("oom_killed").isJsonNull());
        assertTrue(web.get("exit").isJsonNull());

        JsonObject hog = rows.get(1).getAsJsonObject();
        assertTrue(hog.get("cgroup").isJsonNull());
        assertTrue(hog.get("cgroup_processes").isJsonNull());
        assertTrue(hog.get("memory_current").isJsonNull());
        assertEquals("the limit asked for, once the cgroup is gone", 64L << 20, hog.get("memory_max").getAsLong());
        assertTrue(hog.get("oom_kills").isJsonNull());
        assertEquals(137, hog.get("exit").getAsInt());
        assertTrue(hog.get("oom_killed").getAsBoolean());

        JsonObject plain = rows.get(2).getAsJsonObject();
        assertEquals(1, plain.get("cgroup_processes").getAsInt());
        assertTrue(plain.get("memory_current").isJsonNull());
        assertTrue(plain.get("memory_max").isJsonNull());
        assertTrue(plain.get("oom_kills").isJsonNull());
        for (String key : List.of("pid", "nspid", "name", "type", "state", "provider", "user", "namespaces",
                "started", "exit")) {
            assertTrue(key, plain.has(key));
        }
        assertTrue(web.get("memory_current").getAsJsonPrimitive().isNumber());
    }

    @Test
    public void memoryCell() {
        assertEquals("12.3M/64M", UsageColumns.memory(Optional.of(new ResourceUsage("/c", 1, 12_900_000,
            64L << 20, 0)), Resources.NONE));
        assertEquals("12.3M/-", UsageColumns.memory(Optional.of(new ResourceUsage("/c", 1, 12_900_000, -1, 0)),
            LIMITED));
        assertEquals("-/64M", UsageColumns.memory(Optional.empty(), LIMITED));
        assertEquals(null, UsageColumns.memory(Optional.empty(), Resources.NONE));
    }
}
