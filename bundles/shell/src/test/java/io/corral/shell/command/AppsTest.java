package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessType;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.Test;

/** corral:apps's memory: what the application's processes' cgroups use together. */
public class AppsTest {

    private static ManagedProcess process(int pid, long memory) {
        return Fakes.process(Map.of("pid", pid, "usage", Optional.of(new ResourceUsage("/corral/" + pid, 1, memory,
            -1, 0))));
    }

    private static String apps(boolean json, boolean withAdmin) throws Exception {
        AppCommands commands = new AppCommands();
        ApplicationStatus web = new ApplicationStatus("web", ProcessType.WORKER, ApplicationState.RUNNING, 3, 3, 3,
            0, List.of(10, 11, 12), null, List.of());
        Fakes.inject(commands, "manager", Proxy.newProxyInstance(AppsTest.class.getClassLoader(),
            new Class<?>[] {ApplicationManager.class}, (proxy, method, args) -> {
                if (method.getName().equals("applications")) {
                    return List.of(web);
                }
                throw new UnsupportedOperationException(method.getName());
            }));
        if (withAdmin) {
            // Pid 12 has no memory accounting; pid 11 is not (or no longer) supervised.
            Fakes.inject(commands, "admin", Fakes.admin(List.of(process(10, 3 << 20),
                Fakes.process(Map.of("pid", 12, "usage", Optional.empty())), process(99, 1 << 30))));
        }
        return Fakes.printed(() -> commands.apps(json));
    }

    @Test
    public void memoryIsTheSumOfWhatIsKnown() throws Exception {
        List<String> lines = apps(false, true).lines().toList();
        assertTrue(lines.get(0), lines.get(0).matches("Name +Role +Wanted +Running +Idle +State +Restarts +Pids"
            + " +Memory +Message"));
        assertTrue(lines.get(1), lines.get(1).matches("web +worker +3 +3 +3 +RUNNING +0 +10,11,12 +3M +-"));
        JsonObject o = JsonParser.parseString(apps(true, true)).getAsJsonArray().get(0).getAsJsonObject();
        assertEquals(3L << 20, o.get("memory_current").getAsLong());
    }

    @Test
    public void unknownWithoutAProcessFactory() throws Exception {
        assertTrue(apps(false, false).lines().toList().get(1).matches("web .* 10,11,12 +- +-"));
        JsonObject o = JsonParser.parseString(apps(true, false)).getAsJsonArray().get(0).getAsJsonObject();
        assertTrue(o.get("memory_current").isJsonNull());
    }
}
