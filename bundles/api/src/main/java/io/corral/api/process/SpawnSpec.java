package io.corral.api.process;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to spawn. Immutable; build one with {@link #builder(String)}. A final
 * class rather than a record, so that another option is a minor version.
 */
public final class SpawnSpec {

    private final String name;
    private final ProcessType type;
    private final String executable;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final String workingDirectory;
    private final String user;
    private final String group;
    private final IsolationRequest isolation;
    private final Stdio stdio;
    private final Readiness readiness;
    private final Resources resources;
    private final Filesystem filesystem;
    private final Duration lifetime;
    private final ProcessListener listener;

    private SpawnSpec(Builder b) {
        this.executable = b.executable;
        this.name = b.name != null ? b.name : executable.substring(executable.lastIndexOf('/') + 1);
        this.type = Objects.requireNonNull(b.type, "type");
        this.arguments = List.copyOf(b.arguments);
        this.environment = Map.copyOf(b.environment);
        this.workingDirectory = b.workingDirectory;
        this.user = b.user;
        this.group = b.group;
        this.isolation = b.isolation == null ? IsolationRequest.NONE : b.isolation;
        this.stdio = b.stdio == null ? Stdio.LOG : b.stdio;
        this.readiness = b.readiness == null ? Readiness.EXEC : b.readiness;
        this.resources = b.resources == null ? Resources.NONE : b.resources;
        this.filesystem = b.filesystem == null ? Filesystem.NONE : b.filesystem;
        if (b.lifetime != null && (b.lifetime.isNegative() || b.lifetime.isZero())) {
            throw new IllegalArgumentException("lifetime " + b.lifetime + ": must be positive");
        }
        this.lifetime = b.lifetime;
        this.listener = b.listener;
    }

    public static Builder builder(String executable) {
        return new Builder(executable);
    }

    /** A builder that starts from this spec. */
    public Builder toBuilder() {
        Builder b = new Builder(executable).name(name).type(type).arguments(arguments).environment(environment)
            .workingDirectory(workingDirectory).user(user).group(group).isolation(isolation).stdio(stdio)
            .readiness(readiness).resources(resources).filesystem(filesystem).listener(listener);
        b.lifetime = lifetime;
        return b;
    }

    /** A name for listings and the process title. */
    public String name() { return name; }

    /** Its role; selects its matrix rows. */
    public ProcessType type() { return type; }

    /** A path, or a name looked up in the PATH of {@link #environment()}. */
    public String executable() { return executable; }

    /** The arguments after argv[0]. */
    public List<String> arguments() { return arguments; }

    /** The complete environment of the child (nothing is inherited). */
    public Map<String, String> environment() { return environment; }

    /** The directory to start in, or null for the container's. */
    public String workingDirectory() { return workingDirectory; }

    /** User name or numeric uid, or null for the container's own. */
    public String user() { return user; }

    /** Group name or numeric gid, or null for the user's primary group. */
    public String group() { return group; }

    /** Namespaces and id maps. */
    public IsolationRequest isolation() { return isolation; }

    /** Where the standard streams go. */
    public Stdio stdio() { return stdio; }

    /**
     * When the process counts as ready: at exec (plain executables, the
     * default) or when it says so on its port (workers of the port protocol).
     */
    public Readiness readiness() { return readiness; }

    /** Its limits and cgroup (since 2.0). */
    public Resources resources() { return resources; }

    /** Its root file system and mounts, in a mount namespace (since 2.0). */
    public Filesystem filesystem() { return filesystem; }

    /**
     * How long it may run: once this has passed since the spawn, it is killed
     * (SIGKILL, as {@link ManagedProcess#destroyForcibly()}) and its exit status says
     * {@link ExitStatus#timedOut()}. Empty: no limit.
     *
     * @since 3.0
     */
    public Optional<Duration> lifetime() { return Optional.ofNullable(lifetime); }

    /**
     * Told of every state change of this process only, from STARTING on:
     * RUNNING and READY may come before {@code spawn} returns, EXITED after.
     * Calls come from the thread that saw the change (see
     * {@link ProcessListener}): return quickly and never block. Told before
     * the {@link ProcessListener} services.
     *
     * @since 3.0
     */
    public Optional<ProcessListener> listener() { return Optional.ofNullable(listener); }

    @Override
    public String toString() {
        return name + " (" + executable + (arguments.isEmpty() ? "" : " " + String.join(" ", arguments)) + ")";
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
        private Duration lifetime;
        private ProcessListener listener;

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

        /**
         * See {@link SpawnSpec#lifetime()}.
         *
         * @throws IllegalArgumentException when it is not positive, naming the value
         * @since 3.0
         */
        public Builder lifetime(Duration v) {
            if (v != null && (v.isNegative() || v.isZero())) {
                throw new IllegalArgumentException("lifetime " + v + ": must be positive");
            }
            this.lifetime = v;
            return this;
        }

        /** See {@link SpawnSpec#listener()}. @since 3.0 */
        public Builder listener(ProcessListener v) { this.listener = v; return this; }

        public SpawnSpec build() {
            return new SpawnSpec(this);
        }
    }
}
