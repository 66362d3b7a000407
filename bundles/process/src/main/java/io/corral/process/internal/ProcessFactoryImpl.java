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
import io.corral.api.process.ProcessAdmin;
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
import org.osgi.service.component.annotations.Modified;
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
 *
 * <p>One table for every bundle: each bundle gets a {@link ProcessFactory} of
 * its own over it (see {@link FactoryRegistration}), registered while a
 * provider and the credential service are present; operators see every
 * process through {@link ProcessAdmin}. Immediate, so that supervision does not
 * depend on who holds a factory; a configuration change is taken live. When
 * it is deactivated while the framework goes on (an update or refresh of this
 * bundle), its running processes are handed to the next instance (see
 * {@link HandOff}) instead of being stopped.
 */
@Component(service = ProcessAdmin.class, immediate = true, configurationPid = "io.corral.process")
@Designate(ocd = ProcessFactoryImpl.Config.class)
public final class ProcessFactoryImpl implements ProcessAdmin {

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
    private volatile int graceSeconds;
    private volatile int exitedKept;
    private final java.util.concurrent.atomic.AtomicInteger exitedCount = new java.util.concurrent.atomic.AtomicInteger();
    /** Every tracked process in spawn order; exited ones are pruned from the front. */
    private final ConcurrentLinkedDeque<ManagedProcessImpl> processes = new ConcurrentLinkedDeque<>();
    private final List<ManagedProcessImpl> awaitingProvider = new ArrayList<>();
    private final LazyServices<ProcessListener> listeners;
    /** uid 0 and gid 0 of a credential namespace, with no other group: who a child without a user is there. */
    private static final Credential ROOT_INSIDE = new Credential(0, "root", 0, "root",
        List.of(new GroupId(0, "root")), "/root");

    private final LazyServices<SpawnParticipant> participants;
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
        } else if (event.getType() == BundleEvent.STOPPED) {
            // Also when the factory was withdrawn while it stopped, so that it released none.
            ownerStopped(event.getBundle().getBundleId());
        }
    }

    // ---- ownership and lifecycle (3.0) ----

    private final FactoryRegistration registration;
    private final HandOff handOff;

    /** Updates the live settings: nothing restarts, no process is touched. */
    @Modified
    void modified(Config config) {
        graceSeconds = config.stop_grace_seconds();
        exitedKept = config.exited_kept();
        retention.kept(config.logs_kept());
        prune();
    }

    /** Registers, updates or withdraws the ProcessFactory service: there while a spawn can succeed. */
    private void updateRegistration() {
        registration.update(factoryProperties());
    }

    /** The factory's service properties now; null when it cannot spawn. */
    private java.util.Hashtable<String, Object> factoryProperties() {
        IsolationProvider p = provider;
        if (p == null || credentials == null || closed) {
            return null;
        }
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(ProcessFactory.PLATFORM_PROPERTY, p.platform());
        props.put(ProcessFactory.NAMESPACES_PROPERTY, p.supportedNamespaces().stream().map(Namespace::key)
            .sorted().toArray(String[]::new));
        props.put(ProcessFactory.FEATURES_PROPERTY, p.resourceFeatures().entrySet().stream()
            .filter(e -> e.getValue().startsWith("yes")).map(Map.Entry::getKey).sorted().toArray(String[]::new));
        return props;
    }

    private volatile boolean closed;

    /** A bundle stopped: its live processes get the quit sequence. */
    void ownerStopped(long bundleId) {
        if (context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING) {
            return; // stopAll has them
        }
        for (ManagedProcessImpl p : processes) {
            if (p.alive() && p.ownerBundleId() == bundleId) {
                LOG.info("bundle " + bundleId + " stopped: stopping its process " + p);
                p.destroy();
            }
        }
    }

    @Override
    public List<ManagedProcess> processesOf(long bundleId) {
        return processes.stream().filter(p -> p.ownerBundleId() == bundleId).map(ManagedProcess.class::cast)
            .toList();
    }

    /** The processes of one bundle, as {@link #stopAll(Duration)}. */
    void stopAll(Duration grace, long bundleId) {
        CompletableFuture<?>[] exits = processes.stream().filter(p -> p.alive() && p.ownerBundleId() == bundleId)
            .map(p -> p.stop(grace, grace).toCompletableFuture()).toArray(CompletableFuture[]::new);
        awaitExits(exits, grace.multipliedBy(2).plusSeconds(5));
    }

    /** Gives each process what only the table knows: its owner, its listener, the stop timeouts, its lifetime. */
    private void own(ManagedProcessImpl mp, long owner, SpawnSpec spec) {
        mp.owner(owner);
        mp.listener(spec.listener().orElse(null));
        mp.grace(() -> Duration.ofSeconds(graceSeconds));
    }

    /** Kills it when its lifetime ends, measured from {@code start}. */
    private void limitLifetime(ManagedProcessImpl mp, long endMillis) {
        long delay = Math.max(0, endMillis - System.currentTimeMillis());
        try {
            ScheduledFuture<?> f = stopTimers.schedule(mp::expire, delay, TimeUnit.MILLISECONDS);
            mp.lifetimeTimer(() -> f.cancel(false));
        } catch (RejectedExecutionException e) {
            // The table is closing: the next instance sets the timer again.
        }
    }

    /** Lifetime ends by process, kept for the hand-off (epoch milliseconds). */
    private final Map<ManagedProcessImpl, Long> lifetimeEnds = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Hands every live process to the next instance: the provider keeps
     * watching it and holds its exit; the pidfd stays open. What cannot be
     * handed on (no pidfd, or a provider that cannot hold exits) is stopped.
     */
    private void handOffProcesses() {
        List<HandOff.Entry> entries = new ArrayList<>();
        List<ManagedProcessImpl> stop = new ArrayList<>();
        IsolationProvider p = provider;
        for (ManagedProcessImpl mp : processes) {
            if (!mp.alive()) {
                continue;
            }
            boolean watched = p != null && mp.provider().equals(p.platform());
            if (mp.pidfd() < 0 || (watched && !p.release(mp.pid()))) {
                if (mp.alive()) {
                    stop.add(mp);
                }
                continue;
            }
            int fd = mp.handOff();
            if (fd >= 0) {
                entries.add(new HandOff.Entry(mp.pid(), mp.isolatedPid(), fd, mp.name(), mp.type(), mp.credential(),
                    mp.namespaces(), mp.provider(), mp.startTime(), mp.logFile().orElse(null), mp.ownerBundleId(),
                    mp.state(), lifetimeEnds.getOrDefault(mp, 0L)));
            }
        }
        handOff.write(entries);
        if (!entries.isEmpty()) {
            LOG.info(entries.size() + " running process(es) handed to the next instance of the process factory");
        }
        if (!stop.isEmpty()) {
            Duration grace = Duration.ofSeconds(graceSeconds);
            awaitExits(stop.stream().map(mp -> mp.stop(grace, grace).toCompletableFuture())
                .toArray(CompletableFuture[]::new), grace.multipliedBy(2).plusSeconds(5));
        }
    }

    /** Takes back what the previous instance handed on; adopted once a provider is bound. */
    private void restore() {
        for (HandOff.Entry e : handOff.take()) {
            if (!HandOff.stillPidfdOf(e.pidfd(), e.pid())) {
                LOG.error("pid " + e.pid() + " (" + e.name() + ") was handed on with pidfd " + e.pidfd()
                    + ", which no longer refers to it; it is not supervised");
                continue;
            }
            ManagedProcessImpl mp = new ManagedProcessImpl(e.name(), e.type(), e.credential(), e.namespaces(),
                io.corral.api.isolation.Resources.NONE, e.log(), e.provider(), this::changed, List.of(),
                this::schedule);
            mp.owner(e.owner());
            mp.grace(() -> Duration.ofSeconds(graceSeconds));
            mp.startTime(e.start());
            mp.restored(e.pid(), e.isolatedPid(), e.pidfd(), e.state());
            processes.addLast(mp);
            if (e.lifetimeEndMillis() > 0) {
                lifetimeEnds.put(mp, e.lifetimeEndMillis());
                limitLifetime(mp, e.lifetimeEndMillis());
            }
            synchronized (awaitingProvider) {
                awaitingProvider.add(mp);
            }
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
        this.listeners = new LazyServices<>(context);
        this.participants = new LazyServices<>(context);
        stopTimers.setRemoveOnCancelPolicy(true);
        // The thread lives while stops are pending, not for the container's life.
        stopTimers.setKeepAliveTime(10, TimeUnit.SECONDS);
        stopTimers.allowCoreThreadTimeOut(true);
        context.addBundleListener(frameworkStopping);
        this.registration = new FactoryRegistration(context, this);
        this.handOff = new HandOff(context.getDataFile("handoff.properties").toPath());
        restore();
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        closed = true;
        changes.shutdown();
        try {
            // A change under way (a provider's adoption) ends before the hand-off reads the table.
            changes.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registration.close();
        if (context.getBundle(0).getState() == org.osgi.framework.Bundle.STOPPING) {
            stopAll(Duration.ofSeconds(graceSeconds));
        } else {
            handOffProcesses();
        }
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

    /**
     * The provider and the credential service are bound by reference and
     * taken on this one thread, never in a DS bind method: getting a delayed
     * provider there activates it inside this table's activation, and
     * registering the factory there activates the factory's users; SCR then
     * holds locks in an order another thread may take the other way round
     * (seen as "Service factory returned null" and a factory never registered).
     * One thread also keeps bind, unbind and the registration in order.
     */
    private final java.util.concurrent.ThreadPoolExecutor changes = new java.util.concurrent.ThreadPoolExecutor(0, 1,
        5, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "corral-process-table");
            t.setDaemon(true);
            return t;
        });
    private final Map<org.osgi.framework.ServiceReference<?>, Object> got = new java.util.concurrent.ConcurrentHashMap<>();

    private void later(Runnable change) {
        try {
            changes.execute(() -> {
                try {
                    change.run();
                } catch (RuntimeException e) {
                    LOG.error("the process table: a change failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // deactivated: nothing follows
        }
    }

    /**
     * Waits until the provider and credential changes SCR has announced are
     * taken, so that a spawn right after a provider came or went uses the
     * one the registry has now. Not on the changes thread itself.
     */
    private void awaitChanges() {
        if (Thread.currentThread().getName().equals("corral-process-table")
                || (changes.getQueue().isEmpty() && changes.getActiveCount() == 0)) {
            return;
        }
        try {
            changes.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Deactivated, or slow: the spawn goes on with what is known now.
        }
    }

    /** Gets the service once per reference; null when it is gone or could not be got. */
    private <T> T take(org.osgi.framework.ServiceReference<T> ref) {
        T s;
        try {
            s = context.getService(ref);
        } catch (IllegalStateException e) {
            return null;
        }
        if (s != null) {
            got.put(ref, s);
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private <T> T release(org.osgi.framework.ServiceReference<T> ref) {
        T s = (T) got.remove(ref);
        if (s != null) {
            try {
                context.ungetService(ref);
            } catch (IllegalStateException e) {
                // our bundle stops
            }
        }
        return s;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindProvider(org.osgi.framework.ServiceReference<IsolationProvider> ref) {
        later(() -> {
            IsolationProvider p = take(ref);
            if (p != null) {
                providerArrived(p);
            }
        });
    }

    void unbindProvider(org.osgi.framework.ServiceReference<IsolationProvider> ref) {
        later(() -> {
            IsolationProvider p = release(ref);
            if (p != null) {
                providerLeft(p);
            }
        });
    }

    private void providerArrived(IsolationProvider p) {
        List<ManagedProcessImpl> pending;
        synchronized (awaitingProvider) {
            provider = p;
            pending = new ArrayList<>(awaitingProvider);
            awaitingProvider.clear();
        }
        pending.forEach(mp -> adopt(mp, p));
        updateRegistration();
    }

    private void providerLeft(IsolationProvider p) {
        synchronized (awaitingProvider) {
            if (provider == p) {
                provider = null;
            }
        }
        updateRegistration();
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
    void bindCredentials(org.osgi.framework.ServiceReference<CredentialService> ref) {
        later(() -> {
            CredentialService c = take(ref);
            if (c != null) {
                credentials = c;
                host = null;
                updateRegistration();
            }
        });
    }

    void unbindCredentials(org.osgi.framework.ServiceReference<CredentialService> ref) {
        later(() -> {
            CredentialService c = release(ref);
            if (c != null && credentials == c) {
                credentials = null;
                host = null;
            }
            updateRegistration();
        });
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(org.osgi.framework.ServiceReference<ProcessListener> l) {
        listeners.add(l);
    }

    void removeListener(org.osgi.framework.ServiceReference<ProcessListener> l) {
        listeners.remove(l);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addParticipant(org.osgi.framework.ServiceReference<SpawnParticipant> p) {
        participants.add(p);
    }

    void removeParticipant(org.osgi.framework.ServiceReference<SpawnParticipant> p) {
        participants.remove(p);
    }

    // ---- ProcessFactory ----

    /** What validation found out about a spec; spawning needs all of it. */
    private record Checked(IsolationProvider provider, String path, Host host, Credential target,
            IsolationRequest isolation) {
    }

    public void validate(SpawnSpec spec) throws SpawnException {
        check(spec);
    }

    /** Every check spawn makes before it creates anything; the one place they live. */
    private Checked check(SpawnSpec spec) throws SpawnException {
        awaitChanges();
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

    /** Spawns for the bundle {@code owner}, whose factory it is. */
    ManagedProcess spawn(SpawnSpec spec, long owner) throws SpawnException {
        if (closed) {
            throw new SpawnException("spawn", "this process factory was withdrawn (the process bundle stopped or"
                + " was updated): get the ProcessFactory service again");
        }
        org.osgi.framework.Bundle bundle = context.getBundle(owner);
        if (bundle == null || (bundle.getState() & (org.osgi.framework.Bundle.STARTING
                | org.osgi.framework.Bundle.ACTIVE)) == 0) {
            throw new SpawnException("spawn", "bundle " + owner + " is not active: a bundle spawns only while it"
                + " runs, and its processes are stopped when it stops");
        }
        long startMillis = System.currentTimeMillis();
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
            own(mp, owner, spec);
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
            spec.lifetime().ifPresent(l -> {
                lifetimeEnds.put(mp, startMillis + l.toMillis());
                limitLifetime(mp, startMillis + l.toMillis());
            });
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
            for (SpawnParticipant participant : participants.get()) {
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
            lifetimeEnds.remove(p);
        }
        ProcessListener own = p.listener();
        if (own != null) {
            try {
                own.stateChanged(p, state);
            } catch (RuntimeException e) {
                LOG.error("the listener of " + p + " failed", e);
            }
        }
        for (ProcessListener l : listeners.get()) {
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
