package io.corral.app.internal;

import com.google.gson.JsonObject;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.app.ConfigurationException;
import io.corral.api.app.Reloaded;
import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.CredentialService;
import io.corral.api.port.WorkerStarter;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessType;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.config.DocumentValidator;
import io.corral.app.internal.pool.ExecutorScheduler;
import io.corral.app.internal.pool.Pool;
import io.corral.app.internal.pool.PoolSettings;
import io.corral.app.internal.pool.Scheduler;
import io.corral.log.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.InvalidSyntaxException;
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
@Component(service = {ApplicationManager.class, ConfigurationListener.class, WorkerStarter.class}, immediate = true,
    configurationPid = "io.corral.app.manager")
@Designate(ocd = AppManagerImpl.Config.class)
public final class AppManagerImpl implements ApplicationManager, ConfigurationListener, WorkerStarter {

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

        @AttributeDefinition(description = "The most processes all applications may want together: corral:scale"
            + " beyond it is refused")
        int max_processes() default 1024;
    }

    private static final Log LOG = Log.of(AppManagerImpl.class);
    /** How long an operator's command may wait for the scheduler. */
    private static final long CALL_TIMEOUT_MS = 60_000;
    /** A file change is applied once the file has been quiet this long (one save can be several events). */
    private static final long DEBOUNCE_MS = 300;
    private static final byte[] EMPTY_DOCUMENT = {'{', '}'};

    private final BundleContext context;
    private final ProcessFactory factory;
    private final CredentialService credentials;
    private final ConfigFile file;
    private final AppLogs logs;
    private final PoolSettings settings;
    private final long logCheckMs;
    private final int maxProcesses;
    private final ExecutorScheduler scheduler = new ExecutorScheduler("corral-apps");
    private final RunningSet running = new RunningSet(this::newPool);
    private final ExecutePermission permissions = new ExecutePermission(ExecutePermission.FILES);
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** The framework's own STOPPING event comes before any bundle stops, on the stopping thread. */
    private final SynchronousBundleListener frameworkStopping = this::bundleChanged;
    private ConfigWatcher watcher;
    /** Confined to the scheduler's thread. */
    private Scheduler.Timer pendingReload;
    private volatile ConfigurationAdmin configAdmin;
    /** The applications whose configurations the mirror wrote (guarded by publish). */
    private final java.util.Set<String> published = new java.util.HashSet<>();
    /** The mirror's deletions whose events are still on their way. */
    private final ConfigAdminMirror.OwnDeletions ownDeletions = new ConfigAdminMirror.OwnDeletions();
    /** Whether ConfigAdmin was swept of configurations the file does not have (once per ConfigAdmin). */
    private boolean swept;

    @Activate
    public AppManagerImpl(BundleContext context, Config config, @Reference(name = "factory") ProcessFactory factory,
            @Reference(name = "credentials") CredentialService credentials) {
        this.context = context;
        this.factory = factory;
        // Static: the default user ("nobody" when privileged) is decided before the first spawn.
        this.credentials = credentials;
        String base = context.getProperty("corral.base");
        Path root = base != null ? Path.of(base) : context.getDataFile("").toPath();
        this.file = new ConfigFile(root.resolve("etc").resolve("corral.json"));
        this.logs = new AppLogs(root.resolve("log"), config.log_max_bytes(), config.log_keep());
        this.settings = new PoolSettings(config.backoff_initial_ms(), config.backoff_max_ms(),
            config.crash_loop_failures(), config.stable_seconds() * 1000L, config.quit_timeout_seconds() * 1000L,
            config.kill_timeout_seconds() * 1000L);
        this.logCheckMs = Math.max(1, config.log_check_seconds()) * 1000L;
        this.maxProcesses = config.max_processes();
        context.addBundleListener(frameworkStopping);
        // bin/corral -c runs one-shot commands in a fresh instance: the applications stay down there.
        boolean applications = !"off".equals(context.getProperty("corral.applications"));
        if (applications) {
            scheduler.execute(this::startUp);
        }
        scheduler.schedule(this::checkLogs, logCheckMs);
        if (config.watch() && applications) {
            try {
                watcher = new ConfigWatcher(file.path(), () -> scheduler.execute(this::fileChanged));
            } catch (IOException e) {
                LOG.warn("cannot watch " + file.path().getParent() + ": " + e
                    + "; use corral:reload after editing " + file.path().getFileName());
            }
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        if (context.getBundle().getState() == Bundle.STOPPING || context.getBundle(0).getState() == Bundle.STOPPING) {
            stopAll();
        } else {
            // A reference went (the credential service, the process factory): the applications run on, and the
            // next activation adopts them.
            if (watcher != null) {
                watcher.close();
            }
            LOG.info("application manager deactivated while Corral runs: the applications' processes are left"
                + " running for its next activation");
        }
        scheduler.close();
    }

    /** Processes of this bundle that ran before this activation, by application name; taken by the first pools. */
    private final java.util.Map<String, List<ManagedProcess>> leftRunning = new java.util.HashMap<>();

    private void findRunning() {
        for (ManagedProcess p : factory.processes()) {
            if (p.exitStatus().isEmpty()) {
                leftRunning.computeIfAbsent(p.name(), n -> new java.util.ArrayList<>()).add(p);
            }
        }
    }

    private void bundleChanged(BundleEvent event) {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            stopAll();
        }
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
            call(() -> {
                running.closeAll();
                return null;
            });
            // Until every pool has seen (and logged) its last exit; the scheduler escalates meanwhile.
            while (!call(running::allExited)) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("stopping: some processes did not exit in time");
                    return;
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("stopping the applications", e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigAdmin(ConfigurationAdmin ca) {
        synchronized (this) {
            swept = false;
        }
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
        return call(() -> running.pools().stream().map(p -> p.status(logs.files(p.config().name()))).toList());
    }

    @Override
    public Optional<ApplicationStatus> application(String name) {
        return call(() -> running.pool(name).map(p -> p.status(logs.files(name))));
    }

    @Override
    public void start(String name) {
        on(name, Pool::start);
    }

    @Override
    public void stop(String name) {
        on(name, Pool::stop);
    }

    @Override
    public void restart(String name) {
        on(name, Pool::restart);
    }

    @Override
    public void scale(String name, int processes) {
        on(name, p -> {
            p.checkScale(processes);
            checkCeiling(name, processes);
            p.scale(processes);
        });
    }

    /**
     * A fixed count has no "max" of its own: the instance's ceiling keeps one
     * command from starting thousands of processes. On the scheduler thread.
     */
    private void checkCeiling(String name, int processes) {
        long others = running.pools().stream().filter(p -> !p.config().name().equals(name)).mapToLong(Pool::wanted).sum();
        if (others + processes > maxProcesses) {
            throw new IllegalStateException("application \"" + name + "\" cannot be scaled to " + processes
                + ": with the " + others + " wanted by the other applications that makes " + (others + processes)
                + ", above the instance's ceiling of " + maxProcesses + " (max_processes of io.corral.app.manager)");
        }
    }

    @Override
    public Reloaded reload() throws ConfigurationException {
        try {
            return scheduler.call(() -> apply(file.readExisting()), CALL_TIMEOUT_MS);
        } catch (ConfigurationException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public Reloaded apply(String document) throws ConfigurationException {
        try {
            return scheduler.call(() -> applyAndWrite(DocumentValidator.validate(document)), CALL_TIMEOUT_MS);
        } catch (ConfigurationException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Checks as a spawn would, writes the file, then changes the running set:
     * if the file cannot be written, nothing runs that a reload would undo.
     * The watcher sees the new file and finds nothing to change. On the
     * scheduler thread.
     */
    private Reloaded applyAndWrite(Document next) throws ConfigurationException {
        check(next);
        try {
            file.write(next);
        } catch (IOException e) {
            throw new IllegalStateException("writing " + file.path() + ": " + e.getMessage()
                + "; nothing changed", e);
        }
        return commit(next);
    }

    @Override
    public String configuration() {
        return running.document().toText();
    }

    @Override
    public Path configurationFile() {
        return file.path();
    }

    @Override
    public boolean requestWorker(int routerPid, String application) {
        return call(() -> routerPool(routerPid, application).requestWorker());
    }

    /** START_WORKER from a router's port: the new worker's pid (0: it starts after a back-off). */
    @Override
    public int startWorker(String application, int requester) throws SpawnException {
        int pid;
        try {
            pid = call(() -> routerPool(requester, application).startWorker());
        } catch (RuntimeException e) {
            throw new SpawnException("start worker", e.getMessage());
        }
        if (pid < 0) {
            throw new SpawnException("start worker", "application \"" + application + "\" may not grow: it has"
                + " a fixed number of processes, is stopped, or runs its \"max\" already");
        }
        return pid;
    }

    /** The pool of {@code application}, asked for by a process of a router-role application. */
    private Pool routerPool(int routerPid, String application) {
        boolean router = running.pools().stream()
            .anyMatch(p -> p.role() == ProcessType.ROUTER && p.has(routerPid));
        if (!router) {
            throw new IllegalArgumentException("pid " + routerPid + " is not a running process of an application"
                + " with \"role\": \"router\"; only routers may ask for workers");
        }
        return pool(application);
    }

    // ---- applying documents (scheduler thread) ----

    /** A first start has no file yet: no applications, nothing to say. */
    private void startUp() {
        findRunning();
        try {
            Reloaded r = apply(file.read().orElse(EMPTY_DOCUMENT));
            // What ran for an application the document no longer has.
            leftRunning.values().forEach(ps -> ps.forEach(ManagedProcess::destroy));
            leftRunning.clear();
            if (!r.started().isEmpty()) {
                LOG.info("applications started from " + file.path() + ": " + String.join(", ", r.started()));
            }
        } catch (ConfigurationException e) {
            LOG.error(file.path() + " refused, no application started: " + e.getMessage());
        }
    }

    private Reloaded apply(byte[] text) throws ConfigurationException {
        return apply(DocumentValidator.validate(text));
    }

    /** Checks every application as a spawn would, then changes the running set; nothing changes on an error. */
    private Reloaded apply(Document next) throws ConfigurationException {
        check(next);
        return commit(next);
    }

    private void check(Document next) throws ConfigurationException {
        boolean privileged = credentials.canChangeIds();
        for (AppConfig app : next.applications().values()) {
            String at = "applications/" + app.name();
            SpawnSpec spec = Specs.of(app, logs.file(app.name()), privileged);
            SpawnRequestSize.check(at, spec);
            try {
                factory.validate(spec);
            } catch (SpawnException e) {
                throw new ConfigurationException(at, e.getMessage());
            }
            checkAccess(at, spec);
        }
    }

    /** The executable and working directory as the application's user (the factory checks as Corral). */
    private void checkAccess(String at, SpawnSpec spec) throws ConfigurationException {
        if (!ExecutePermission.appliesTo(spec)) {
            return;
        }
        Credential user;
        try {
            user = spec.user() == null ? credentials.current() : credentials.resolve(spec.user(), spec.group());
        } catch (CredentialException e) {
            return; // the factory's validation has said so already
        }
        permissions.check(at, spec, user);
    }

    private Reloaded commit(Document next) {
        Reloaded r = running.commit(next);
        publish();
        return r;
    }

    private Pool newPool(AppConfig app) {
        Pool pool = new Pool(app, scheduler, this::launch, settings, line -> logs.note(app.name(), line),
            this::halting);
        List<ManagedProcess> adopted = leftRunning.remove(app.name());
        if (adopted != null) {
            adopted.forEach(pool::adopt);
        }
        return pool;
    }

    private ManagedProcess launch(AppConfig app) throws SpawnException {
        if (context.getBundle(0).getState() == Bundle.STOPPING) {
            // A process that left at QUIT while the container stops is not replaced.
            throw new SpawnException("spawn", "the container is stopping");
        }
        try {
            return factory.spawn(Specs.of(app, logs.open(app.name()), credentials.canChangeIds()));
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

    private void fileChanged() {
        if (pendingReload != null) {
            pendingReload.cancel();
        }
        pendingReload = scheduler.schedule(() -> {
            pendingReload = null;
            try {
                Reloaded r = apply(file.readExisting());
                // A control action like any other, with its origin: the file watch.
                LOG.info("reload (from the file watch): " + file.path() + (r.nothingChanged() ? ": nothing changed"
                    : " applied: " + RunningSet.describe(r)));
            } catch (ConfigurationException e) {
                LOG.warn("reload (from the file watch): " + file.path() + " refused, nothing changed: "
                    + e.getMessage());
            }
        }, DEBOUNCE_MS);
    }

    private void checkLogs() {
        for (Pool p : running.pools()) {
            String name = p.config().name();
            if (logs.rotateIfLarger(name)) {
                logs.note(name, "log rotated; processes started before this line write to " + name + ".log.1"
                    + " until they are respawned");
            }
        }
        scheduler.schedule(this::checkLogs, logCheckMs);
    }

    // ---- ConfigAdmin ----

    private synchronized void publish() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            return;
        }
        try {
            ConfigAdminMirror.publish(ca, running.document(), published, !swept, ownDeletions);
            swept = true;
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.error("publishing the applications to ConfigAdmin: " + e);
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (ConfigAdminMirror.FACTORY_PID.equals(event.getFactoryPid())) {
            String pid = event.getPid();
            boolean deleted = event.getType() == ConfigurationEvent.CM_DELETED;
            scheduler.execute(() -> configAdminChanged(pid, deleted));
        }
    }

    /**
     * Another bundle created, changed or deleted an application's
     * configuration. Our own writes come back here too and change nothing. A
     * real change is applied like a file change and then written to the file,
     * which stays the source; a change that is refused is undone in ConfigAdmin.
     * A deletion counts as one even when ConfigAdmin has the configuration
     * again by now: a publish that ran between the deletion and this event
     * wrote it back, and must not undo the operator's deletion. The mirror's
     * own deletions come back too, maybe once the application is back in the
     * file: those change nothing.
     */
    private void configAdminChanged(String pid, boolean deleted) {
        ConfigurationAdmin ca = configAdmin;
        String name = ConfigAdminMirror.name(pid);
        if (ca == null || name == null || (deleted && ownDeletions.comingBack(pid))) {
            return;
        }
        try {
            Optional<JsonObject> root = ConfigAdminMirror.edited(running.document(), name,
                deleted ? Optional.empty() : ConfigAdminMirror.json(ca, pid));
            if (root.isEmpty()) {
                publish(); // the copies next to "json" may have been edited: rewrite them
                return;
            }
            Document next = DocumentValidator.validate(root.get());
            check(next);
            // The file first: if it cannot be written, nothing runs that a reload would undo.
            file.write(next);
            Reloaded r = commit(next);
            LOG.info("reload (from ConfigAdmin): application \"" + name + "\" changed through ConfigAdmin ("
                + RunningSet.describe(r) + "); " + file.path() + " rewritten");
        } catch (ConfigurationException e) {
            LOG.warn("reload (from ConfigAdmin): change of application \"" + name + "\" refused, nothing changed: "
                + e.getMessage());
            undo(ca, pid, name);
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("ConfigAdmin change of application \"" + name + "\": " + e);
            undo(ca, pid, name);
        }
    }

    /** Puts ConfigAdmin back as the file says: a refused new application's configuration goes. */
    private void undo(ConfigurationAdmin ca, String pid, String name) {
        if (!running.document().applications().containsKey(name)) {
            try {
                ConfigAdminMirror.delete(ca, pid, ownDeletions);
            } catch (IOException | InvalidSyntaxException | RuntimeException e) {
                LOG.error("undoing the configuration of \"" + name + "\": " + e);
            }
        }
        publish();
    }

    // ---- helpers ----

    private Pool pool(String name) {
        return running.pool(name).orElseThrow(() -> new IllegalArgumentException("no application \"" + name
            + "\" in " + file.path() + " (see corral:apps)"));
    }

    private void on(String name, java.util.function.Consumer<Pool> operation) {
        call(() -> {
            operation.accept(pool(name));
            return null;
        });
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
