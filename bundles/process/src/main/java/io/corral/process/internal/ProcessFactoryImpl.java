package io.corral.process.internal;

import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.CredentialService;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Host;
import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationProvider;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Launch;
import io.corral.api.isolation.Launched;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Participation;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessListener;
import io.corral.api.process.ProcessState;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnParticipant;
import io.corral.api.process.SpawnSpec;
import io.corral.log.Log;
import io.corral.posix.Posix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The process factory and registry. It spawns through the highest-ranked
 * isolation provider and follows it as providers come and go; processes of a
 * provider that leaves are adopted by the next one, so their exits are still
 * seen. Exits arrive on the providers' reader threads: no thread per child.
 */
@Component(service = ProcessFactory.class, configurationPid = "io.corral.process")
@Designate(ocd = ProcessFactoryImpl.Config.class)
public final class ProcessFactoryImpl implements ProcessFactory {

    private static final Log LOG = Log.of(ProcessFactoryImpl.class);

    @ObjectClassDefinition(name = "Corral process factory")
    public @interface Config {
        @AttributeDefinition(description = "Seconds between QUIT and SIGTERM, and between SIGTERM and SIGKILL,"
            + " when the container stops")
        int stop_grace_seconds() default 5;

        @AttributeDefinition(description = "How many exited processes stay listed")
        int exited_kept() default 1000;

        @AttributeDefinition(description = "How many files log/processes keeps: past that, the oldest go (never"
            + " the log of a process that still runs)")
        int logs_kept() default 1000;
    }

    private final ProcessLogs logs;
    private final ProcessLogRetention retention;
    private final int graceSeconds;
    private final int exitedKept;
    private final java.util.concurrent.atomic.AtomicInteger exitedCount = new java.util.concurrent.atomic.AtomicInteger();
    /** Every tracked process in spawn order; exited ones are pruned from the front. */
    private final ConcurrentLinkedDeque<ManagedProcessImpl> processes = new ConcurrentLinkedDeque<>();
    private final List<ManagedProcessImpl> awaitingProvider = new ArrayList<>();
    private final List<ProcessListener> listeners = new CopyOnWriteArrayList<>();
    /** uid 0 and gid 0 of a credential namespace, with no other group: who a child without a user is there. */
    private static final Credential ROOT_INSIDE = new Credential(0, "root", 0, "root",
        List.of(new GroupId(0, "root")), "/root");

    private final List<SpawnParticipant> participants = new CopyOnWriteArrayList<>();
    /** Drives every StreamHandler: one thread, started with the first. */
    private final StreamPump pump = new StreamPump();
    private volatile IsolationProvider provider;
    private volatile CredentialService credentials;
    /**
     * The escalation timers of every stopping process: one daemon thread
     * while any stop is pending, not one per process.
     */
    private final ScheduledThreadPoolExecutor stopTimers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "corral-stop");
        t.setDaemon(true);
        return t;
    });
    /** The container's identity does not change while it runs: looked up once per credential service. */
    private volatile Host host;
    private final BundleContext context;
    /**
     * When the framework starts to stop, before any bundle does: the
     * providers that report exits stop in no particular order, and a
     * process whose provider is gone would be signalled but never seen to exit.
     */
    private final SynchronousBundleListener frameworkStopping = this::bundleChanged;

    private void bundleChanged(BundleEvent event) {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            stopAll(Duration.ofSeconds(graceSeconds));
        }
    }

    @Activate
    public ProcessFactoryImpl(BundleContext context, Config config) throws io.corral.posix.PosixException {
        String base = context.getProperty("corral.base");
        Path logDir = base != null ? Path.of(base, "log", "processes") : context.getDataFile("processes").toPath();
        this.logs = new ProcessLogs(logDir);
        this.retention = new ProcessLogRetention(logDir, config.logs_kept(), this::runningLogs);
        this.graceSeconds = config.stop_grace_seconds();
        this.exitedKept = config.exited_kept();
        this.context = context;
        stopTimers.setRemoveOnCancelPolicy(true);
        // The thread lives while stops are pending, not for the container's life.
        stopTimers.setKeepAliveTime(10, TimeUnit.SECONDS);
        stopTimers.allowCoreThreadTimeOut(true);
        context.addBundleListener(frameworkStopping);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        stopAll(Duration.ofSeconds(graceSeconds));
        stopTimers.shutdownNow();
        pump.close();
        processes.forEach(ManagedProcessImpl::forgotten);
        logs.close();
    }

    /** Schedules an escalation step on the one timer thread. */
    private Runnable schedule(Runnable step, Duration delay) {
        try {
            ScheduledFuture<?> f = stopTimers.schedule(step, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            // The factory is gone: nobody would take this step later, and a process must not be left running.
            step.run();
            return () -> { };
        }
    }

    // ---- references ----

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindProvider(IsolationProvider p) {
        List<ManagedProcessImpl> pending;
        synchronized (awaitingProvider) {
            provider = p;
            pending = new ArrayList<>(awaitingProvider);
            awaitingProvider.clear();
        }
        pending.forEach(mp -> adopt(mp, p));
    }

    void unbindProvider(IsolationProvider p) {
        synchronized (awaitingProvider) {
            if (provider == p) {
                provider = null;
            }
        }
        // Bind of the successor comes before this unbind, so it can adopt at once.
        IsolationProvider next = provider;
        for (ManagedProcessImpl mp : processes) {
            if (!mp.provider().equals(p.platform())) {
                continue;
            }
            if (!mp.alive()) {
                // Its exit was seen by a waiting thread; the report from p may never come now.
                mp.providerGone();
            } else if (mp.pidfd() >= 0) {
                if (next != null && next != p) {
                    adopt(mp, next);
                } else {
                    synchronized (awaitingProvider) {
                        awaitingProvider.add(mp);
                    }
                }
            }
        }
    }

    private void adopt(ManagedProcessImpl mp, IsolationProvider p) {
        try {
            p.adopt(mp.pid(), mp.pidfd(), mp);
            mp.adoptedBy(p.platform());
            mp.usageSource(p::usage);
        } catch (IsolationException e) {
            LOG.warn(p.platform() + " could not adopt " + mp + ": " + e.getMessage());
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindCredentials(CredentialService c) {
        credentials = c;
        host = null;
    }

    void unbindCredentials(CredentialService c) {
        if (credentials == c) {
            credentials = null;
            host = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ProcessListener l) {
        listeners.add(l);
    }

    void removeListener(ProcessListener l) {
        listeners.remove(l);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addParticipant(SpawnParticipant p) {
        participants.add(p);
    }

    void removeParticipant(SpawnParticipant p) {
        participants.remove(p);
    }

    // ---- ProcessFactory ----

    /** What validation found out about a spec; spawning needs all of it. */
    private record Checked(IsolationProvider provider, String path, Host host, Credential target,
            IsolationRequest isolation) {
    }

    @Override
    public void validate(SpawnSpec spec) throws SpawnException {
        check(spec);
    }

    /** Every check spawn makes before it creates anything; the one place they live. */
    private Checked check(SpawnSpec spec) throws SpawnException {
        IsolationProvider p = provider;
        if (p == null) {
            throw new SpawnException("validate", "no isolation provider is running (start io.corral.isolation.linux"
                + " or io.corral.isolation.fork)");
        }
        if (spec.name().isBlank()) {
            throw new SpawnException("validate", "name \"" + spec.name() + "\": must not be blank");
        }
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().contains("=")) {
                throw new SpawnException("validate", "environment \"" + e.getKey() + "\": a name must be non-empty"
                    + " and contain no '='");
            }
        }
        // In a root file system of its own the program and its directory are found there, at exec.
        boolean ownRoot = spec.filesystem().rootfs().isPresent();
        if (ownRoot && !spec.executable().startsWith("/")) {
            throw new SpawnException("validate", "executable \"" + spec.executable() + "\": with a rootfs it must be"
                + " an absolute path inside it");
        }
        String path = ownRoot ? spec.executable() : Executables.resolve(spec.executable(), spec.environment());
        if (!ownRoot) {
            Executables.checkDirectory(spec.workingDirectory());
        }
        Host host = host();
        Credential target = target(spec);
        try {
            IsolationRequest isolation = p.validate(spec.isolation(), target, host);
            p.checkResources(spec.resources());
            p.checkFilesystem(spec.filesystem(), isolation);
            return new Checked(p, path, host, target, isolation);
        } catch (IsolationException e) {
            throw new SpawnException(e.step(), e.errno(), e.getMessage());
        }
    }

    @Override
    public ManagedProcess spawn(SpawnSpec spec) throws SpawnException {
        Checked c = check(spec);
        IsolationProvider p = c.provider();
        Credential target = c.target();
        Host host = c.host();
        IsolationRequest isolation = c.isolation();
        List<String> argv = new ArrayList<>();
        argv.add(spec.executable());
        argv.addAll(spec.arguments());

        List<Participation> parts = participate(spec);
        boolean started = false;
        try (ProcessLogs.Streams streams = logs.open(spec.name(), spec.stdio())) {
            Map<String, String> environment = new LinkedHashMap<>(spec.environment());
            parts.forEach(part -> environment.putAll(part.environment()));
            List<String> env = environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            ManagedProcessImpl mp = new ManagedProcessImpl(spec.name(), spec.type(),
                target != null ? target : host.caller(), isolation.namespaces(), spec.resources(), streams.log(),
                p.platform(),
                this::changed, parts, this::schedule);
            Launch launch = new Launch(c.path(), argv, env, spec.workingDirectory(), target, isolation,
                "corral: " + spec.name(), descriptors(streams.descriptors, parts), spec.resources(),
                spec.filesystem());
            mp.usageSource(p::usage);
            Launched launched;
            try {
                launched = p.launch(launch, host, mp);
            } catch (IsolationException e) {
                streams.discard();
                throw new SpawnException(e.step(), e.errno(), explain(e, isolation));
            }
            mp.logFile(streams.rename(spec.name(), launched.pid()));
            mp.streams(new ProcessStreams(spec.name() + "[" + launched.pid() + "]", spec.stdio(), launched.streams(),
                pump));
            started = true;
            ManagedProcess registered = register(mp, launched, parts);
            spec.stdio().handler().ifPresent(h -> handleStreams(mp, h));
            return registered;
        } finally {
            if (!started) {
                parts.forEach(ProcessFactoryImpl::failed);
            }
        }
    }

    /** The spec's StreamHandler, from the spawn on; the process runs and is supervised whatever happens here. */
    private static void handleStreams(ManagedProcessImpl mp, io.corral.api.process.StreamHandler handler) {
        try {
            mp.handleStreams(handler);
        } catch (RuntimeException e) {
            LOG.error("the stream handler of " + mp + " could not be started: " + e.getMessage());
        }
    }

    /** Asks every participant in turn; a refusal fails the ones already asked. */
    private List<Participation> participate(SpawnSpec spec) throws SpawnException {
        List<Participation> parts = new ArrayList<>();
        int next = 3;
        try {
            for (SpawnParticipant participant : participants) {
                Participation part = participant.participate(spec, next);
                parts.add(part);
                next += part.descriptors().length;
            }
            return parts;
        } catch (SpawnException | RuntimeException e) {
            parts.forEach(ProcessFactoryImpl::failed);
            throw e;
        }
    }

    /** The standard streams, then each participation's descriptors in order. */
    private static int[] descriptors(int[] stdio, List<Participation> parts) {
        int[] all = stdio;
        for (Participation part : parts) {
            int[] more = part.descriptors();
            int[] joined = Arrays.copyOf(all, all.length + more.length);
            System.arraycopy(more, 0, joined, all.length, more.length);
            all = joined;
        }
        return all;
    }

    private static void failed(Participation part) {
        try {
            part.failed();
        } catch (RuntimeException e) {
            LOG.error("spawn participant " + part + " failed to clean up", e);
        }
    }

    /** Registers the process; the exit handler given to the provider is {@code mp}. */
    private ManagedProcess register(ManagedProcessImpl mp, Launched launched, List<Participation> parts) {
        processes.addLast(mp);
        // After it is listed: a process that runs keeps its log.
        mp.logFile().ifPresent(retention::add);
        mp.launched(launched.pid(), launched.isolatedPid(), launched.pidfd());
        boolean announced = false;
        for (Participation part : parts) {
            announced |= part.announcesReadiness();
            try {
                part.started(mp, () -> mp.advance(ProcessState.READY));
            } catch (RuntimeException e) {
                LOG.error("spawn participant " + part + " failed for " + mp, e);
            }
        }
        // A plain executable is ready once it runs; protocol workers say so on their port.
        if (!announced) {
            mp.advance(ProcessState.READY);
        }
        prune();
        return mp;
    }

    /** The log files of log/processes that a running process writes to. */
    private Set<Path> runningLogs() {
        Set<Path> running = new HashSet<>();
        for (ManagedProcessImpl p : processes) {
            if (p.alive()) {
                p.logFile().ifPresent(running::add);
            }
        }
        return running;
    }

        /** Forgets the oldest exited processes beyond the number kept; cheap when there is nothing to forget. */
    private void prune() {
        if (exitedCount.get() <= exitedKept) {
            return;
        }
        for (java.util.Iterator<ManagedProcessImpl> it = processes.iterator(); it.hasNext()
                && exitedCount.get() > exitedKept;) {
            ManagedProcessImpl p = it.next();
            if (!p.alive()) {
                it.remove();
                p.forgotten();
                exitedCount.decrementAndGet();
            }
        }
    }

    private void changed(ManagedProcessImpl p, ProcessState state) {
        if (state == ProcessState.EXITED) {
            exitedCount.incrementAndGet();
        }
        for (ProcessListener l : listeners) {
            try {
                l.stateChanged(p, state);
            } catch (RuntimeException e) {
                LOG.error("process listener " + l + " failed", e);
            }
        }
    }

    /** The caller's identity and whether it may set ids, from the credential service when there is one. */
    private Host host() {
        Host h = host;
        if (h == null) {
            h = lookUpHost();
            host = h;
        }
        return h;
    }

    private Host lookUpHost() {
        CredentialService c = credentials;
        if (c != null) {
            return new Host(c.current(), c.canChangeIds());
        }
        int uid = Posix.getuid();
        int gid = Posix.getgid();
        Credential self = new Credential(uid, Integer.toString(uid), gid, Integer.toString(gid),
            List.of(new GroupId(gid, Integer.toString(gid))), "");
        return new Host(self, Posix.geteuid() == 0);
    }

    /**
     * Who the child runs as: the spec's user, else, in a credential
     * namespace, root there (as {@code unshare -r} and podman do, mapped to
     * whatever the maps say), else null: the container's own ids.
     */
    private Credential target(SpawnSpec spec) throws SpawnException {
        if (spec.user() == null && spec.group() == null) {
            return spec.isolation().has(Namespace.CREDENTIAL) ? ROOT_INSIDE : null;
        }
        CredentialService c = credentials;
        if (c == null) {
            throw new SpawnException("credential", "user \"" + spec.user() + "\": no credential service is running"
                + " to look it up (start io.corral.credential)");
        }
        try {
            String user = spec.user() != null ? spec.user() : c.current().user();
            return c.resolve(user, spec.group());
        } catch (CredentialException e) {
            throw new SpawnException("credential", e.getMessage());
        }
    }

    /** Adds what an operator needs to an error from the child, e.g. which id is not mapped. */
    private static String explain(IsolationException e, IsolationRequest isolation) {
        String message = e.getMessage();
        if (e.errno() == Posix.EINVAL && isolation.has(Namespace.CREDENTIAL)) {
            String step = e.step();
            if (step.startsWith("setuid ")) {
                return message + " (uid " + step.substring(7) + " is not mapped in the credential namespace)";
            }
            if (step.startsWith("setgid ") || step.startsWith("setgroups")) {
                return message + " (a gid is not mapped in the credential namespace)";
            }
        }
        return message;
    }

    @Override
    public List<ManagedProcess> processes() {
        return List.copyOf(processes);
    }

    @Override
    public Optional<ManagedProcess> process(int pid) {
        ManagedProcess found = null;
        for (ManagedProcessImpl p : processes) {
            if (p.pid() == pid) {
                found = p; // the newest with this pid wins
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public void stopAll(Duration grace) {
        // A process whose stop is under way (an application's, say) is joined, not escalated a second time.
        CompletableFuture<?>[] exits = processes.stream().filter(ManagedProcessImpl::alive)
            .map(p -> p.stop(grace, grace).toCompletableFuture()).toArray(CompletableFuture[]::new);
        // QUIT, SIGTERM after grace, SIGKILL after grace more; then a bound on seeing the exits.
        awaitExits(exits, grace.multipliedBy(2).plusSeconds(5));
    }

    private static void awaitExits(CompletableFuture<?>[] exits, Duration timeout) {
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Not every exit was seen in time: the caller goes on stopping; ps shows what is left.
        }
    }
}
