package io.corral.app.internal.config;

import com.google.gson.JsonObject;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ProcessType;
import java.util.List;
import java.util.Map;

/**
 * One validated application.
 *
 * @param stdout where the processes' standard output goes ({@code "stdout"}), or null for its log
 * @param stderr where their standard error goes ({@code "stderr"}), or null for its log
 * @param resources its limits and Unit's cgroup path ({@code "resources"} and {@code "isolation": {"cgroup"}})
 * @param filesystem its root file system and mounts ({@code "isolation"}: rootfs, automount, mounts, read_only_root)
 * @param json its object in the document, for comparing documents and showing the effective one
 */
public record AppConfig(String name, ProcessType role, String executable, List<String> arguments, String user,
        String group, String workingDirectory, String stdout, String stderr, Map<String, String> environment,
        Processes processes, IsolationRequest isolation, Resources resources, Filesystem filesystem, JsonObject json) {

    public AppConfig {
        arguments = List.copyOf(arguments);
        environment = Map.copyOf(environment);
        json = json.deepCopy();
    }

    /** True when {@code other} differs from this one in nothing but {@code "processes"}. */
    public boolean sameButProcesses(AppConfig other) {
        JsonObject a = json.deepCopy();
        JsonObject b = other.json.deepCopy();
        a.remove("processes");
        b.remove("processes");
        return a.equals(b);
    }

    /** A copy: the document is immutable. */
    @Override
    public JsonObject json() {
        return json.deepCopy();
    }
}
