package io.corral.shell.command;

import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessAdmin;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessType;
import io.corral.api.process.Readiness;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code corral:spawn}, {@code corral:ps}, {@code corral:kill}, {@code corral:logs} (of a pid or an application). */
@Component(service = ProcessCommands.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=spawn",
    "osgi.command.function=ps",
    "osgi.command.function=kill",
    "osgi.command.function=logs"
})
public final class ProcessCommands {

    static final String SPAWN_USAGE = "spawn a process: spawn [--name N] [--type T] [--user U] [--group G]"
        + " [--ns credential,pid,mount,uname,ipc,network,cgroup] [--uidmap C:H:S]... [--gidmap C:H:S]..."
        + " [--hostname H] [--no-new-privs] [--cwd DIR] [--env K=V]... [--ready exec|port]"
        + " [--memory-max SIZE] [--pids-max N] [--cpu-max CPUS] [--rlimit NAME=VALUE]..."
        + " [--cgroup PATH] [--rootfs DIR] [--ro-bind SRC[:DST]]... [--bind SRC[:DST]]... [--tmpfs DST]..."
        + " [--proc DST] [--dev DST] [--ro-root] [--wait]"
        + " EXECUTABLE [ARGS...]; prints the pid, or with --wait the output and the exit status."
        + " --ready port: the process is READY when it says PROCESS_READY on its port (worker library programs),"
        + " not at exec. With --ns credential and no --user the process is root inside, as mapped (unshare -r);"
        + " with --ns pid it is pid 2 under Corral's init. The process's cgroup limits it and its descendants:"
        + " --memory-max in bytes or with K, M, G, T (powers of 1024; at least 1M), --pids-max at least 1,"
        + " --cpu-max in CPUs (0.01 to 1024, e.g. 0.5). --rlimit sets a resource limit, soft and hard alike:"
        + " NAME as in RLIMIT_NAME (nofile, core, nproc, ...), VALUE a number or unlimited."
        + " --cgroup is Unit's isolation.cgroup.path, where the process's own cgroup is made: relative to"
        + " Corral's cgroup or absolute, not empty, no \"..\"."
        + " The file system, in the mount namespace (--ns mount): --rootfs makes DIR the process's / (Unit's"
        + " isolation.rootfs: pivot_root, the host's tree detached, a fresh /proc; the executable is found inside"
        + " it); --ro-bind and --bind mount the host's SRC at DST (SRC when no :DST), read-only or not;"
        + " --tmpfs an empty private tmpfs (--tmpfs /tmp is Unit's automount tmpfs); --proc a proc of the"
        + " process's pid namespace; --dev a minimal /dev (null, zero, full, random, urandom, tty, pts, shm);"
        + " --ro-root makes the root read-only once everything is mounted. Mounts are made in the order given,"
        + " inside the root; paths are absolute, DST without a \"..\" component";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss")
        .withZone(ZoneId.systemDefault());

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessFactory factory;

    /** Optional: corral:logs takes an application's name when an application manager runs. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ApplicationManager apps;

    /** Every bundle's processes, for ps, kill and logs; spawn goes through the shell's own factory. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProcessAdmin admin;

    private ProcessAdmin admin() {
        return Services.require(admin, "no process factory is running (start io.corral.process)");
    }

    private ProcessFactory factory() {
        return Services.await(() -> factory, "io.corral.process",
            "no process factory is running (start io.corral.process)");
    }

    @Descriptor(SPAWN_USAGE)
    public void spawn(@Descriptor("[OPTIONS] EXECUTABLE [ARGS...]: options, then the executable and its arguments")
            String... args)
            throws SpawnException, InterruptedException, IOException {
        Args a = new Args("corral:spawn", args);
        String name = null;
        ProcessType type = ProcessType.WORKER;
        String user = null;
        String group = null;
        String cwd = null;
        String hostname = null;
        boolean wait = false;
        boolean newPrivs = true;
        Readiness readiness = Readiness.EXEC;
        Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
        List<IdMapEntry> uidmap = new ArrayList<>();
        List<IdMapEntry> gidmap = new ArrayList<>();
        ResourceOptions limits = new ResourceOptions(a);
        FilesystemOptions filesystem = new FilesystemOptions(a);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String o = a.option(); o != null; o = a.option()) {
            try {
                switch (o) {
                    case "--name" -> name = a.value(o, "a name");
                    case "--type" -> type = ProcessType.parse(a.value(o, "a process type"));
                    case "--user" -> user = a.value(o, "a user name or uid");
                    case "--group" -> group = a.value(o, "a group name or gid");
                    case "--cwd" -> cwd = a.value(o, "a directory");
                    case "--hostname" -> hostname = a.value(o, "a host name");
                    case "--wait" -> wait = true;
                    case "--no-new-privs" -> newPrivs = false;
                    case "--ready" -> readiness = readiness(a.value(o, "exec or port"));
                    case "--ns" -> {
                        for (String n : a.value(o, "namespaces, e.g. credential,pid").split(",")) {
                            if (!n.isBlank()) {
                                namespaces.add(Namespace.parse(n.trim()));
                            }
                        }
                    }
                    case "--uidmap" -> uidmap.add(IdMapEntry.parse(a.value(o, "CONTAINER:HOST:SIZE")));
                    case "--gidmap" -> gidmap.add(IdMapEntry.parse(a.value(o, "CONTAINER:HOST:SIZE")));
                    case "--env" -> {
                        String kv = a.value(o, "KEY=VALUE");
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw a.error("--env \"" + kv + "\": expected KEY=VALUE");
                        }
                        env.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    default -> {
                        if (!limits.take(o) && !filesystem.take(o)) {
                            throw a.unknown(o);
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith("corral:spawn") ? e : a.error(e.getMessage());
            }
        }
        String executable = a.required("EXECUTABLE");
        SpawnSpec spec = SpawnSpec.builder(executable).name(name).type(type).user(user).group(group)
            .workingDirectory(cwd).environment(env).arguments(a.rest()).readiness(readiness)
            .resources(limits.build()).filesystem(filesystem.build(namespaces))
            .isolation(new IsolationRequest(namespaces, uidmap, gidmap, hostname, newPrivs)).build();
        ManagedProcess p = factory().spawn(spec);
        if (!wait) {
            System.out.println(p.pid());
            return;
        }
        ExitStatus status;
        try {
            status = p.onExit().toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + p.pid() + ": " + e.getCause());
        }
        if (p.logFile().isPresent()) {
            System.out.print(Files.readString(p.logFile().get(), StandardCharsets.UTF_8));
        }
        System.out.println("pid " + p.pid() + " " + status);
        if (!status.success()) {
            throw new IllegalStateException(p.name() + " (pid " + p.pid() + ") failed: " + status);
        }
    }

    @Descriptor("list the processes Corral supervises, the exited ones it still remembers included; Procs and"
        + " Memory are what its cgroup holds and uses now (memory as current/limit), - when unknown")
    public void ps(@Descriptor("print JSON for scripts")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        List<String> columns = new ArrayList<>(List.of("PID", "NSPID", "Name", "Type", "State", "Provider", "User",
            "Namespaces"));
        columns.addAll(List.of(json ? UsageColumns.JSON : UsageColumns.TEXT));
        columns.addAll(List.of("Started", "Exit"));
        if (json) {
            // The table's Exit says it in words (ExitStatus.toString); JSON's exit is the number.
            columns.add("OOM killed");
        }
        // The namespaces give way before the exit status does on a narrow terminal.
        Table t = new Table(columns.toArray(String[]::new)).shrinkable("Namespaces");
        for (ManagedProcess p : admin().processes()) {
            List<Object> row = new ArrayList<>(Arrays.asList(p.pid(), p.isolatedPid(), p.name(),
                p.type().name().toLowerCase(), p.state().name(), p.provider(), p.credential().user(),
                json ? p.namespaces().stream().map(Namespace::key).sorted().toList()
                    : p.namespaces().isEmpty() ? "-" : p.namespaces().stream().map(Namespace::key)
                        .collect(Collectors.joining(","))));
            row.addAll(Arrays.asList(json ? UsageColumns.json(p) : UsageColumns.text(p)));
            row.add(json ? p.startTime().toString() : TIME.format(p.startTime()));
            row.add(p.exitStatus().map(s -> json ? (Object) s.value() : s.toString()).orElse(null));
            if (json) {
                row.add(p.exitStatus().map(ExitStatus::oomKilled).orElse(null));
            }
            t.row(row.toArray());
        }
        t.print(System.out, json);
    }

    @Descriptor("send a signal to a supervised process (default TERM)")
    public void kill(@Descriptor("the pid, as corral:ps shows it") int pid,
            @Descriptor("signal name or number: TERM, KILL, HUP, INT, QUIT, USR1, USR2, 9, …") String... signal) {
        if (signal.length > 1) {
            throw new IllegalArgumentException("corral:kill: expected PID [SIGNAL], got " + (signal.length + 1)
                + " arguments");
        }
        int sig = signal.length == 0 ? 15 : Signals.parse(signal[0]);
        ManagedProcess p = process(pid);
        if (!p.signal(sig)) {
            throw new IllegalStateException("pid " + pid + " (" + p.name() + ") has already exited: "
                + p.exitStatus().map(ExitStatus::toString).orElse("unknown"));
        }
    }

    /** -n's absent value: no count the operator could mean. */
    private static final String ALL_LINES_TEXT = "-2147483648";
    private static final int ALL_LINES = Integer.MIN_VALUE;

    /** How many lines -f shows before it follows, when -n does not say, as tail -f does. */
    static final int FOLLOW_LINES = 10;

    @Descriptor("show an application's log, or the output a supervised process wrote to its log")
    public void logs(
            @Descriptor("show only the last N lines") @Parameter(names = "-n", absentValue = ALL_LINES_TEXT) int lines,
            @Descriptor("follow: print lines as they are written, until Ctrl-C or the process ends (last "
                + FOLLOW_LINES + " lines first unless -n says)")
            @Parameter(names = {"-f", "--follow"}, presentValue = "true", absentValue = "false") boolean follow,
            @Descriptor("an application's name, as corral:apps lists it, or a pid, as corral:ps shows it")
            String target) throws IOException {
        // The absent value means every line; a negative count the operator typed is a mistake, not "all".
        if (lines == ALL_LINES) {
            lines = follow ? FOLLOW_LINES : -1;
        } else if (lines < 0) {
            throw new IllegalArgumentException("corral:logs: -n " + lines + ": the number of lines must be 0 or more");
        }
        ApplicationManager apps = this.apps;
        Optional<ApplicationStatus> app = apps == null ? Optional.empty() : apps.application(target);
        if (app.isEmpty() && target.matches("[0-9]{1,9}")) {
            int pid = Integer.parseInt(target);
            ManagedProcess p = process(pid);
            if (p.logFile().isPresent()) {
                show(List.of(p.logFile().get()), lines, follow, () -> p.onExit().toCompletableFuture().isDone());
                return;
            }
            // An application's process writes to the application's log.
            app = apps == null ? Optional.empty() : apps.applications().stream()
                .filter(a -> a.name().equals(p.name())).findFirst();
            if (app.isEmpty()) {
                throw new IllegalStateException("pid " + pid + " (" + p.name() + ") writes no log: its output was"
                    + " redirected");
            }
            // The application's log goes on after this process: following it ends with the process.
            show(app.get().logFiles(), lines, follow, () -> p.onExit().toCompletableFuture().isDone());
            return;
        }
        if (app.isEmpty()) {
            throw new IllegalArgumentException("corral:logs: \"" + target + "\" is neither an application (see"
                + " corral:apps) nor a supervised pid (see corral:ps)");
        }
        // An application outlives its processes: followed until Ctrl-C.
        show(app.get().logFiles(), lines, follow, () -> false);
    }

    private static void show(List<java.nio.file.Path> newestFirst, int lines, boolean follow,
            java.util.function.BooleanSupplier ended) throws IOException {
        LogTail.Tail tail = LogTail.read(newestFirst, lines);
        tail.lines().forEach(System.out::println);
        if (follow && !newestFirst.isEmpty()) {
            System.out.flush();
            new LogFollower(newestFirst.get(0), System.out, ended).follow(tail.newestLength());
        }
    }

    private static Readiness readiness(String value) {
        return switch (value) {
            case "exec" -> Readiness.EXEC;
            case "port" -> Readiness.PORT;
            default -> throw new IllegalArgumentException("--ready \"" + value + "\": expected exec (ready once"
                + " executed) or port (ready when it says so on its port)");
        };
    }

    private ManagedProcess process(int pid) {
        return admin().process(pid).orElseThrow(() -> new IllegalArgumentException("no process with pid "
            + pid + " is supervised by Corral (see corral:ps)"));
    }
}
