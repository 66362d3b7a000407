package io.corral.api.process;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Resources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to spawn. Immutable; build one with {@link #builder(String)}.
 *
 * @param name             a name for listings and the process title
 * @param type             its role; selects its matrix rows
 * @param executable       a path, or a name looked up in the PATH of {@code environment}
 * @param arguments        the arguments after argv[0]
 * @param environment      the complete environment of the child (nothing is inherited)
 * @param workingDirectory the directory to start in, or null for the container's
 * @param user             user name or numeric uid, or null for the container's own
 * @param group            group name or numeric gid, or null for the user's primary group
 * @param isolation        namespaces and id maps
 * @param stdio            where the standard streams go
 * @param readiness        when the process counts as ready: at exec (plain executables, the
 *                         default) or when it says so on its port (workers of the port protocol)
 * @param resources        its limits and cgroup (since 2.0)
 * @param filesystem       its root file system and mounts, in a mount namespace (since 2.0)
 */
public record SpawnSpec(String name, ProcessType type, String executable, List<String> arguments,
        Map<String, String> environment, String workingDirectory, String user, String group,
        IsolationRequest isolation, Stdio stdio, Readiness readiness, Resources resources,
        Filesystem filesystem) {

    public SpawnSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(executable, "executable");
        arguments = List.copyOf(arguments);
        environment = Map.copyOf(environment);
        isolation = isolation == null ? IsolationRequest.NONE : isolation;
        stdio = stdio == null ? Stdio.LOG : stdio;
        readiness = readiness == null ? Readiness.EXEC : readiness;
        resources = resources == null ? Resources.NONE : resources;
        filesystem = filesystem == null ? Filesystem.NONE : filesystem;
    }

    public static Builder builder(String executable) {
        return new Builder(executable);
    }

    /** A mutable builder; defaults: type WORKER, name = the executable's file name, no isolation, ready at exec. */
    public static final class Builder {
        private String name;
        private ProcessType type = ProcessType.WORKER;
        private final String executable;
        private final List<String> arguments = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String workingDirectory;
        private String user;
        private String group;
        private IsolationRequest isolation = IsolationRequest.NONE;
        private Stdio stdio = Stdio.LOG;
        private Readiness readiness = Readiness.EXEC;
        private Resources resources = Resources.NONE;
        private Filesystem filesystem = Filesystem.NONE;

        private Builder(String executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
        }

        public Builder name(String v) { this.name = v; return this; }
        public Builder type(ProcessType v) { this.type = v; return this; }
        public Builder arguments(List<String> v) { arguments.clear(); arguments.addAll(v); return this; }
        public Builder arguments(String... v) { return arguments(List.of(v)); }
        public Builder environment(Map<String, String> v) { environment.clear(); environment.putAll(v); return this; }
        public Builder env(String key, String value) { environment.put(key, value); return this; }
        public Builder workingDirectory(String v) { this.workingDirectory = v; return this; }
        public Builder user(String v) { this.user = v; return this; }
        public Builder group(String v) { this.group = v; return this; }
        public Builder isolation(IsolationRequest v) { this.isolation = v; return this; }
        public Builder stdio(Stdio v) { this.stdio = v; return this; }
        public Builder readiness(Readiness v) { this.readiness = v; return this; }
        public Builder resources(Resources v) { this.resources = v; return this; }
        public Builder filesystem(Filesystem v) { this.filesystem = v; return this; }

        public SpawnSpec build() {
            String n = name != null ? name : executable.substring(executable.lastIndexOf('/') + 1);
            return new SpawnSpec(n, type, executable, arguments, environment, workingDirectory, user, group,
                isolation, stdio, readiness, resources, filesystem);
        }
    }
}
