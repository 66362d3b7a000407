package io.corral.shell.command;

import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.app.ConfigurationException;
import io.corral.api.app.Reloaded;
import io.corral.api.process.ProcessAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code corral:apps}, {@code corral:start}, {@code corral:stop},
 * {@code corral:restart}, {@code corral:scale}, {@code corral:reload},
 * {@code corral:config}, {@code corral:status}: the applications of etc/corral.json.
 */
@Component(service = AppCommands.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=apps",
    "osgi.command.function=start",
    "osgi.command.function=stop",
    "osgi.command.function=restart",
    "osgi.command.function=scale",
    "osgi.command.function=reload",
    "osgi.command.function=config",
    "osgi.command.function=status"
})
public final class AppCommands {

    private static final String NAME = "application name, as corral:apps lists it";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ApplicationManager manager;

    /**
     * Every bundle's processes: an application's and a port's process belong to other bundles.
     * Optional: without it corral:apps shows no memory.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessAdmin admin;

    private ApplicationManager manager() {
        return Services.await(() -> manager, "io.corral.app",
            "no application manager is running (start io.corral.app)");
    }

    @Descriptor("list the applications: role, processes wanted, running and idle, state, restarts, pids and the"
        + " memory their processes' cgroups use together")
    public void apps(@Descriptor("print JSON for scripts")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        Table t = new Table("Name", "Role", "Wanted", "Running", "Idle", "State", "Restarts", "Pids",
            json ? "Memory current" : "Memory", "Message").shrinkable("Pids");
        for (ApplicationStatus s : manager().applications()) {
            OptionalLong memory = memory(s.pids());
            t.row(s.name(), s.role().name().toLowerCase(java.util.Locale.ROOT), s.wanted(), s.running(), s.idle(),
                s.state().name(), s.restarts(),
                json ? s.pids() : s.pids().stream().map(String::valueOf).collect(Collectors.joining(",")),
                memory.isEmpty() ? null : json ? (Object) memory.getAsLong() : Bytes.format(memory.getAsLong()),
                s.message());
        }
        t.print(System.out, json);
    }

    private OptionalLong memory(List<Integer> pids) {
        ProcessAdmin f = admin;
        if (f == null) {
            return OptionalLong.empty();
        }
        return UsageColumns.memoryCurrent(pids.stream().map(f::process).flatMap(Optional::stream)
            .toList());
    }

    @Descriptor("start a stopped application, or give a crash-looping one a fresh try at once")
    public void start(@Descriptor(NAME) String name) {
        ApplicationState before = state(known(name, "start"));
        manager().start(name);
        // A crash loop gets a fresh try; an application that runs as wanted is left alone.
        String outcome = before == ApplicationState.RUNNING ? "already running" : "started";
        Origin.record("corral:start " + name, outcome);
        System.out.println(name + ": " + outcome);
    }

    @Descriptor("stop an application: QUIT, then SIGTERM, then SIGKILL; it stays stopped until corral:start")
    public void stop(@Descriptor(NAME) String name) {
        ApplicationState before = state(known(name, "stop"));
        manager().stop(name);
        String outcome = switch (before) {
            case STOPPED -> "not running";
            case STOPPING -> "already stopping";
            default -> "stopping";
        };
        Origin.record("corral:stop " + name, outcome);
        System.out.println(name + ": " + outcome);
    }

    @Descriptor("replace every process of an application: new ones start, then the old ones are asked to quit")
    public void restart(@Descriptor(NAME) String name) {
        manager().restart(known(name, "restart"));
        Origin.record("corral:restart " + name, "restarting");
        System.out.println(name + ": restarting");
    }

    @Descriptor("keep N processes of an application running, until its configuration changes")
    public void scale(@Descriptor(NAME) String name, @Descriptor("how many processes") int processes) {
        manager().scale(known(name, "scale"), processes);
        Origin.record("corral:scale " + name + " " + processes, processes + " wanted");
        System.out.println(name + ": " + processes + " wanted");
    }

    @Descriptor("read etc/corral.json again and apply it; a document with any error is refused whole")
    public void reload() throws ConfigurationException {
        ApplicationManager m = manager();
        Reloaded r;
        try {
            r = m.reload();
        } catch (ConfigurationException e) {
            Origin.record("corral:reload", m.configurationFile() + " refused, nothing changed: " + e.getMessage());
            // No cause: the operator's one line keeps "refused, nothing changed" (ErrorText shows the innermost).
            throw new IllegalArgumentException(m.configurationFile() + " refused, nothing changed: "
                + e.getMessage());
        }
        List<String> parts = new ArrayList<>();
        add(parts, "started", r.started());
        add(parts, "changed", r.changed());
        add(parts, "removed", r.removed());
        String outcome = m.configurationFile() + ": " + (parts.isEmpty() ? "nothing changed"
            : String.join("; ", parts));
        Origin.record("corral:reload", outcome);
        System.out.println(outcome);
    }

    /** How many of the log's last lines corral:status shows unless -n says. */
    static final int STATUS_LINES = 10;

    @Descriptor("show one application as systemctl status does: state, pids, restarts, limits, memory, message and"
        + " the last lines of its log")
    public void status(
            @Descriptor("show the last N lines of the log (default " + STATUS_LINES + ")")
            @Parameter(names = "-n", absentValue = "" + STATUS_LINES) int lines,
            @Descriptor(NAME) String name) throws java.io.IOException {
        if (lines < 0) {
            throw new IllegalArgumentException("corral:status: -n " + lines + ": the number of lines must be 0 or"
                + " more");
        }
        ApplicationStatus s = manager().application(known(name, "status")).orElseThrow();
        List<io.corral.api.process.ManagedProcess> processes = processes(s.pids());
        System.out.print(StatusView.text(s, processes, memory(s.pids()),
            LogTail.tail(s.logFiles(), lines)));
    }

    private List<io.corral.api.process.ManagedProcess> processes(List<Integer> pids) {
        ProcessAdmin f = admin;
        return f == null ? List.of() : pids.stream().map(f::process).flatMap(Optional::stream).toList();
    }

    @Descriptor("print the configuration that runs now (the document last applied)")
    public void config() {
        System.out.print(manager().configuration());
    }

    private ApplicationState state(String name) {
        return manager().application(name).map(ApplicationStatus::state).orElse(ApplicationState.STOPPED);
    }

    /** A name that is no application, with a hint for the bundle commands these names shadow. */
    private String known(String name, String verb) {
        if (manager().application(name).isEmpty()) {
            String hint = name.chars().allMatch(Character::isDigit) && !name.isEmpty()
                ? "; to " + verb + " a bundle, use felix:" + verb : "";
            throw new IllegalArgumentException("no application \"" + name + "\" (see corral:apps" + hint + ")");
        }
        return name;
    }

    private static void add(List<String> parts, String what, List<String> names) {
        if (!names.isEmpty()) {
            parts.add(what + " " + String.join(", ", names));
        }
    }
}
