package io.corral.app.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.app.ConfigurationException;
import io.corral.api.app.Reloaded;
import io.corral.api.credential.CredentialService;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessType;
import io.corral.api.process.SpawnException;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.config.DocumentValidator;
import io.corral.app.internal.config.JsonText;
import io.corral.app.internal.pool.ExecutorScheduler;
import io.corral.app.internal.pool.Pool;
import io.corral.app.internal.pool.PoolSettings;
import io.corral.app.internal.pool.QuitSender;
import io.corral.app.internal.pool.Scheduler;
import io.corral.app.internal.pool.SignalQuit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Runs the applications of {@code ${corral.base}/etc/corral.json}. Every
 * change (file, {@code corral:reload}, a ConfigAdmin edit) goes the same way:
 * validate the whole document, check every application as a spawn would,
 * and only then change the running set. Pools live on one scheduler thread.
 */
@Component(service = {ApplicationManager.class, ConfigurationListener.class}, immediate = true,
    configurationPid = "io.corral.app.manager")
@Designate(ocd = AppManagerImpl.Config.class)
public final class AppManagerImpl implements ApplicationManager, ConfigurationListener {

    @ObjectClassDefinition(name = "Corral applications",
        description = "How applications from etc/corral.json are respawned, stopped and logged")
    public @interface Config {
        @AttributeDefinition(description = "Milliseconds before the first respawn; doubles with each failure in a row")
        int backoff_initial_ms() default 500;

        @AttributeDefinition(description = "The longest wait between respawns, in milliseconds")
        int backoff_max_ms() default 30_000;

        @AttributeDefinition(description = "Failures in a row that make a crash loop")
        int crash_loop_failures() default 3;

        @AttributeDefinition(description = "Seconds a process must run for its application to count as healthy")
        int stable_seconds() default 10;

        @AttributeDefinition(description = "Seconds between a QUIT message and SIGTERM")
        int quit_timeout_seconds() default 5;

        @AttributeDefinition(description = "Seconds between SIGTERM and SIGKILL")
        int kill_timeout_seconds() default 5;

        @AttributeDefinition(description = "Size in bytes past which log/APP.log is rotated")
        long log_max_bytes() default 10L * 1024 * 1024;

        @AttributeDefinition(description = "Rotated log files kept per application")
        int log_keep() default 5;

        @AttributeDefinition(description = "Seconds between checks of the log sizes")
        int log_check_seconds() default 10;

        @AttributeDefinition(description = "Reload etc/corral.json when it changes")
        boolean watch() default true;
    }

    /** How long an operator's command may wait for the scheduler. */
    private static final long CALL_TIMEOUT_MS = 60_000;
    /** A file change is applied once the file has been quiet this long (one save can be several events). */
    private static final long DEBOUNCE_MS = 300;

    private final ProcessFactory factory;
    private final CredentialService credentials;
    private final Path configFile;
    private final AppLogs logs;
    private final PoolSettings settings;
    private final ExecutorScheduler scheduler = new ExecutorScheduler("corral-apps");
    private final QuitSender quitSender = new SignalQuit();
    private final long logCheckMs;

    // Confined to the scheduler's thread.
    private final Map<String, Pool> pools = new LinkedHashMap<>();
    /** Pools of applications that left the document, until their last process has exited. */
    private final List<Pool> retired = new ArrayList<>();
    private Scheduler.Timer pendingReload;
    private volatile Document current = Document.EMPTY;
    private ConfigWatcher watcher;
    private final BundleContext context;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    /** The framework's own STOPPING event comes before any bundle stops, on the stopping thread. */
    private final SynchronousBundleListener frameworkStopping = event -> {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            stopAll();
        }
    };

    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public AppManagerImpl(BundleContext context, Config config, @Reference(name = "factory") ProcessFactory factory,
            @Reference(name = "credentials") CredentialService credentials) {
        this.factory = factory;
        this.context = context;
        // Static: the default user ("nobody" when privileged) is decided before the first spawn.
        this.credentials = credentials;
        String base = context.getProperty("corral.base");
        Path root = base != null ? Path.of(base) : context.getDataFile("").toPath();
        this.configFile = root.resolve("etc").resolve("corral.json");
        this.logs = new AppLogs(root.resolve("log"), config.log_max_bytes(), config.log_keep());
        this.settings = new PoolSettings(config.backoff_initial_ms(), config.backoff_max_ms(),
            config.crash_loop_failures(), config.stable_seconds() * 1000L, config.quit_timeout_seconds() * 1000L,
            config.kill_timeout_seconds() * 1000L);
        this.logCheckMs = Math.max(1, config.log_check_seconds()) * 1000L;
        context.addBundleListener(frameworkStopping);
        scheduler.execute(this::startUp);
        scheduler.schedule(this::checkLogs, logCheckMs);
        if (config.watch()) {
            try {
                watcher = new ConfigWatcher(configFile, () -> scheduler.execute(this::fileChanged));
            } catch (IOException e) {
                System.err.println("corral: applications: cannot watch " + configFile.getParent() + ": " + e
                    + "; use corral:reload after editing " + configFile.getFileName());
            }
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        stopAll();
        scheduler.close();
    }

    /**
     * Stops every application and waits until its processes have exited:
     * QUIT, then SIGTERM, then SIGKILL. Runs when the framework starts to stop,
     * before any bundle stops: the providers that report exits must still be
     * there (the order in which bundles stop is otherwise arbitrary).
     */
    private void stopAll() {
        if (stopped.getAndSet(true)) {
            return;
        }
        if (watcher != null) {
            watcher.close();
        }
        long deadline = System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos(settings.quitTimeoutMs() + settings.killTimeoutMs() + 2000);
        try {
            scheduler.call(() -> {
                pools.values().forEach(Pool::close);
                retired.addAll(pools.values());
                pools.clear();
                return null;
            }, CALL_TIMEOUT_MS);
            // Until every pool has seen (and logged) its last exit; the scheduler escalates meanwhile.
            while (!scheduler.call(() -> retired.stream().allMatch(p -> p.exits().isEmpty()), CALL_TIMEOUT_MS)) {
                if (System.nanoTime() > deadline) {
                    System.err.println("corral: applications: some processes did not exit in time");
                    return;
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            System.err.println("corral: applications: stopping: " + e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigAdmin(ConfigurationAdmin ca) {
        configAdmin = ca;
        scheduler.execute(this::publish);
    }

    void unbindConfigAdmin(ConfigurationAdmin ca) {
        if (configAdmin == ca) {
            configAdmin = null;
        }
    }

    // ---- ApplicationManager ----

    @Override
    public List<ApplicationStatus> applications() {
        return call(() -> pools.values().stream().map(p -> p.status(logs.files(p.config().name()))).toList());
    }

    @Override
    public Optional<ApplicationStatus> application(String name) {
        return call(() -> Optional.ofNullable(pools.get(name)).map(p -> p.status(logs.files(name))));
    }

    @Override
    public void start(String name) {
        call(() -> {
            pool(name).start();
            return null;
        });
    }

    @Override
    public void stop(String name) {
        call(() -> {
            pool(name).stop();
            return null;
        });
    }

    @Override
    public void restart(String name) {
        call(() -> {
            pool(name).restart();
            return null;
        });
    }

    @Override
    public void scale(String name, int processes) {
        call(() -> {
            pool(name).scale(processes);
            return null;
        });
    }

    @Override
    public Reloaded reload() throws ConfigurationException {
        try {
            return scheduler.call(() -> apply(read()), CALL_TIMEOUT_MS);
        } catch (ConfigurationException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public String configuration() {
        return current.toText();
    }

    @Override
    public Path configurationFile() {
        return configFile;
    }

    @Override
    public boolean requestWorker(int routerPid, String application) {
        return call(() -> {
            boolean router = pools.values().stream().anyMatch(p -> p.role() == ProcessType.ROUTER && p.has(routerPid));
            if (!router) {
                throw new IllegalArgumentException("pid " + routerPid + " is not a running process of an application"
                    + " with \"role\": \"router\"; only routers may ask for workers");
            }
            return pool(application).requestWorker();
        });
    }

    /**
     * The port layer's report that a process is busy or idle again; until
     * ports are wired nothing calls it, and every process counts as idle.
     */
    void activity(int pid, boolean busy) {
        scheduler.execute(() -> pools.values().forEach(p -> p.activity(pid, busy)));
    }

    // ---- applying documents (scheduler thread) ----

    private void startUp() {
        try {
            Reloaded r = apply(read());
            if (!r.started().isEmpty()) {
                System.err.println("corral: applications started from " + configFile + ": "
                    + String.join(", ", r.started()));
            }
        } catch (ConfigurationException e) {
            System.err.println("corral: " + configFile + " refused, no application started: " + e.getMessage());
        }
    }

    private String read() throws ConfigurationException {
        try {
            return Files.readString(configFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "{}"; // no file: no applications
        } catch (IOException e) {
            throw new ConfigurationException("", "reading " + configFile + ": " + e.getMessage());
        }
    }

    private Reloaded apply(String text) throws ConfigurationException {
        Document next = DocumentValidator.validate(text);
        preflight(next);
        return commit(next);
    }

    /** Every check a spawn would make, for every application, before anything changes. */
    private void preflight(Document next) throws ConfigurationException {
        String defaultUser = defaultUser();
        for (AppConfig app : next.applications().values()) {
            try {
                factory.validate(Specs.of(app, logs.file(app.name()), defaultUser));
            } catch (SpawnException e) {
                throw new ConfigurationException("applications/" + app.name(), e.getMessage());
            }
        }
    }

    /** Changes the running set to {@code next}, which has passed every check. */
    private Reloaded commit(Document next) {
        List<String> started = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        for (String name : List.copyOf(pools.keySet())) {
            if (!next.applications().containsKey(name)) {
                Pool p = pools.remove(name);
                p.close();
                retired.add(p);
                removed.add(name);
            }
        }
        Map<String, Pool> ordered = new LinkedHashMap<>();
        for (AppConfig app : next.applications().values()) {
            Pool p = pools.get(app.name());
            if (p == null) {
                p = new Pool(app, scheduler, this::launch, quitSender, settings, line -> logs.note(app.name(), line),
                    this::halting);
                p.start();
                started.add(app.name());
            } else if (!p.config().json().equals(app.json())) {
                p.reconfigure(app);
                changed.add(app.name());
            } else {
                unchanged.add(app.name());
            }
            ordered.put(app.name(), p);
        }
        pools.clear();
        pools.putAll(ordered);
        retired.removeIf(p -> p.exits().isEmpty());
        current = next;
        publish();
        return new Reloaded(started, changed, removed, unchanged);
    }

    private ManagedProcess launch(AppConfig app) throws SpawnException {
        try {
            return factory.spawn(Specs.of(app, logs.open(app.name()), defaultUser()));
        } catch (IOException e) {
            throw new SpawnException("opening the log", "opening " + logs.file(app.name()) + ": " + e.getMessage());
        }
    }

    /**
     * True once the framework stops: the process factory may then signal
     * processes before we do, and their exits must not be respawned.
     */
    private boolean halting() {
        return stopped.get() || context.getBundle(0).getState() == Bundle.STOPPING;
    }

    private String defaultUser() {
        return credentials.canChangeIds() ? Specs.PRIVILEGED_DEFAULT_USER : null;
    }

    private void fileChanged() {
        if (pendingReload != null) {
            pendingReload.cancel();
        }
        pendingReload = scheduler.schedule(() -> {
            pendingReload = null;
            try {
                Reloaded r = apply(read());
                if (!r.nothingChanged()) {
                    System.err.println("corral: " + configFile + " applied: " + describe(r));
                }
            } catch (ConfigurationException e) {
                System.err.println("corral: " + configFile + " refused, nothing changed: " + e.getMessage());
            }
        }, DEBOUNCE_MS);
    }

    static String describe(Reloaded r) {
        List<String> parts = new ArrayList<>();
        if (!r.started().isEmpty()) {
            parts.add("started " + String.join(", ", r.started()));
        }
        if (!r.changed().isEmpty()) {
            parts.add("changed " + String.join(", ", r.changed()));
        }
        if (!r.removed().isEmpty()) {
            parts.add("removed " + String.join(", ", r.removed()));
        }
        return parts.isEmpty() ? "nothing changed" : String.join("; ", parts);
    }

    private void checkLogs() {
        for (String name : pools.keySet()) {
            if (logs.rotateIfLarger(name)) {
                logs.note(name, "log rotated; processes started before this line write to " + name + ".log.1"
                    + " until they are respawned");
            }
        }
        scheduler.schedule(this::checkLogs, logCheckMs);
    }

    // ---- ConfigAdmin ----

    private void publish() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            return;
        }
        try {
            ConfigAdminMirror.publish(ca, current);
        } catch (IOException | org.osgi.framework.InvalidSyntaxException | RuntimeException e) {
            System.err.println("corral: applications: publishing to ConfigAdmin: " + e);
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (ConfigAdminMirror.FACTORY_PID.equals(event.getFactoryPid())) {
            String pid = event.getPid();
            scheduler.execute(() -> configAdminChanged(pid));
        }
    }

    /**
     * Another bundle created, changed or deleted an application's
     * configuration. Our own writes come back here too; they match the
     * running document and are ignored. A real change is applied like a file
     * change and then written to the file, which stays the source; a change
     * that is refused is undone in ConfigAdmin.
     */
    private void configAdminChanged(String pid) {
        ConfigurationAdmin ca = configAdmin;
        String name = ConfigAdminMirror.name(pid);
        if (ca == null || name == null) {
            return;
        }
        try {
            Optional<String> json = ConfigAdminMirror.json(ca, pid);
            AppConfig running = current.applications().get(name);
            JsonObject root = current.json().deepCopy();
            JsonObject apps = root.getAsJsonObject("applications");
            if (json.isEmpty()) {
                if (running == null) {
                    return;
                }
                apps.remove(name);
            } else {
                JsonElement app = JsonText.parse(json.get().isEmpty() ? "null" : json.get());
                if (running != null && app.equals(running.json())) {
                    publish(); // the copies next to "json" may have been edited: rewrite them
                    return;
                }
                apps.add(name, app);
            }
            Document next = DocumentValidator.validate(root);
            preflight(next);
            write(next);
            Reloaded r = commit(next);
            System.err.println("corral: application \"" + name + "\" changed through ConfigAdmin (" + describe(r)
                + "); " + configFile + " rewritten");
        } catch (ConfigurationException e) {
            System.err.println("corral: ConfigAdmin change of application \"" + name + "\" refused, nothing changed: "
                + e.getMessage());
            publish();
        } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
            System.err.println("corral: ConfigAdmin change of application \"" + name + "\": " + e);
            publish();
        }
    }

    /** Replaces the file at once (write aside, then rename), keeping its permissions. */
    private void write(Document doc) throws IOException {
        Files.createDirectories(configFile.getParent());
        Path tmp = configFile.resolveSibling("." + configFile.getFileName() + ".tmp");
        Files.writeString(tmp, doc.toText(), StandardCharsets.UTF_8);
        if (Files.exists(configFile)) {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(configFile));
        }
        Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // ---- helpers ----

    private Pool pool(String name) {
        Pool p = pools.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no application \"" + name + "\" in " + configFile
                + " (see corral:apps)");
        }
        return p;
    }

    /** Runs on the scheduler and returns; operator errors come back as they were thrown. */
    private <T> T call(Callable<T> task) {
        try {
            return scheduler.call(task, CALL_TIMEOUT_MS);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
