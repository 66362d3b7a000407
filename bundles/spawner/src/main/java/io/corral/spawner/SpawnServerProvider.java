package io.corral.spawner;

import io.corral.api.credential.Credential;
import io.corral.api.isolation.ExitHandler;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Host;
import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationProvider;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Launch;
import io.corral.api.isolation.Launched;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;

/**
 * An {@link IsolationProvider} backed by one long-lived spawn server. The
 * provider bundles (linux-clone, fork) each make a component of a subclass.
 * If the server dies, a new one is started and adopts every process the old
 * one watched.
 */
public abstract class SpawnServerProvider implements IsolationProvider, SpawnServer.Events {

    /** Where the provider bundles carry the binary. */
    public static final String BINARY_ENTRY = "corral-spawnd";

    private record Watch(int pidfd, ExitHandler handler) {
    }

    /** An exit reported before its spawn's reply was read (they travel on different sockets). */
    private record EarlyExit(int code, int signal, boolean known, boolean oomKilled, long at) {
    }

    private static final long EARLY_EXIT_NANOS = 5_000_000_000L;

    /**
     * The handler of a released process: holds its exit until the next
     * adopt (guarded by {@link #earlyExits}).
     */
    private static final class Held implements ExitHandler {
        private EarlyExit exit;

        @Override
        public void exited(int pid, int code, int signal, boolean known) {
            exited(pid, code, signal, known, false);
        }

        @Override
        public void exited(int pid, int code, int signal, boolean known, boolean oomKilled) {
            exit = new EarlyExit(code, signal, known, oomKilled, System.nanoTime());
        }
    }

    /** Released processes, by pid, until adopted again (guarded by {@link #earlyExits}). */
    private final Map<Integer, Held> held = new java.util.HashMap<>();

    private final String platform;
    private final String mode;
    private final Path binary;
    private final Path log;
    private final Cgroups cgroups;
    private final Map<Integer, Watch> watches = new ConcurrentHashMap<>();
    private final Map<Integer, ExitHandler> launching = new ConcurrentHashMap<>();
    private final Map<Integer, EarlyExit> earlyExits = new java.util.HashMap<>();
    private final Object lifecycle = new Object();
    private volatile SpawnServer server;
    private volatile Set<Namespace> supported = Set.of();
    private volatile boolean closed;

    /**
     * Installs the bundle's spawn server binary in its data area (owner-only)
     * and starts it.
     *
     * @param mode "clone" or "fork"
     */
    protected SpawnServerProvider(BundleContext context, String platform, String mode) throws IsolationException {
        this.platform = platform;
        this.mode = mode;
        this.binary = BundleBinary.install(context, BINARY_ENTRY);
        this.log = logFile(context, platform);
        String base = context.getProperty("corral.base");
        this.cgroups = Cgroups.open(Cgroups.instanceName(base != null ? base
            : context.getDataFile("").getAbsolutePath()), platform);
        synchronized (lifecycle) {
            startServer(false);
        }
    }

    private static Path logFile(BundleContext context, String platform) {
        String base = context.getProperty("corral.base");
        Path dir = base != null ? Path.of(base, "log") : context.getDataFile("").toPath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            dir = context.getDataFile("").toPath();
        }
        return dir.resolve("corral-spawnd-" + platform + ".log");
    }

    /**
     * Starts a server and hands it every process still watched. Holds
     * {@link #lifecycle}. {@code replacing}: an earlier server of this provider
     * ended, and what it created but never reported is killed. The first
     * server of a provider kills nothing: what runs in its cgroup then was
     * left by this provider's previous instance (a refresh or restart of its
     * bundle) and is the process factory's to adopt.
     */
    private void startServer(boolean replacing) throws IsolationException {
        Path cgroup = cgroups.directory();
        if (cgroup != null) {
            try {
                // An earlier server removed it when its JVM seemed gone (end of file).
                Files.createDirectories(cgroup);
            } catch (IOException e) {
                throw new IsolationException("starting the spawn server", "making cgroup " + cgroup + ": " + e);
            }
        }
        SpawnServer s = SpawnServer.start(binary, mode, cgroup, log, this);
        for (Map.Entry<Integer, Watch> w : watches.entrySet()) {
            try {
                s.adopt(w.getKey(), w.getValue().pidfd());
            } catch (PosixException e) {
                io.corral.log.Log.of(SpawnServerProvider.class).warn(platform + ": adopting pid " + w.getKey() + ": "
                    + e.getMessage());
            }
        }
        List<Integer> orphans = replacing ? cgroups.killOrphans(watches.keySet(), s.pid()) : List.of();
        if (!orphans.isEmpty()) {
            io.corral.log.Log.of(SpawnServerProvider.class).warn(platform + ": killed " + orphans
                + ", started by a spawn server that ended before it reported them");
        }
        supported = NamespaceBits.of(s.supportedNamespaces());
        server = s;
        s.startReading("corral-spawnd-" + platform);
    }

    private SpawnServer server() throws IsolationException {
        SpawnServer s = server;
        if (s != null) {
            return s;
        }
        synchronized (lifecycle) {
            if (closed) {
                throw new IsolationException("spawn", "the " + platform + " provider is stopped");
            }
            if (server == null) {
                startServer(true);
            }
            return server;
        }
    }

    /** The server after {@code dead}: started now, unless its reader thread has started one already. */
    private SpawnServer replace(SpawnServer dead) throws IsolationException {
        synchronized (lifecycle) {
            if (closed) {
                throw new IsolationException("spawn", "the " + platform + " provider is stopped");
            }
            if (server == dead || server == null) {
                dead.shutdown();
                server = null;
                startServer(true);
            }
            return server;
        }
    }

    @Override
    public String platform() {
        return platform;
    }

    @Override
    public Set<Namespace> supportedNamespaces() {
        return supported;
    }

    @Override
    public IsolationRequest validate(IsolationRequest request, Credential target, Host host)
            throws IsolationException {
        if (!supported.containsAll(request.namespaces())) {
            Set<Namespace> unsupported = request.namespaces().stream().filter(n -> !supported.contains(n))
                .collect(Collectors.toCollection(() -> java.util.EnumSet.noneOf(Namespace.class)));
            throw new IsolationException("validate", "namespace" + (unsupported.size() > 1 ? "s " : " ")
                + unsupported.stream().map(n -> "\"" + n.key() + "\"").collect(Collectors.joining(", "))
                + " not supported by the " + platform + " provider (supported: "
                + (supported.isEmpty() ? "none" : supported.stream().map(Namespace::key)
                    .collect(Collectors.joining(", "))) + ")");
        }
        if (request.hostname() != null && !request.has(Namespace.UNAME)) {
            throw new IsolationException("validate", "hostname \"" + request.hostname()
                + "\" requires the \"uname\" namespace");
        }
        return IdMapRules.check(request, target, host);
    }

    @Override
    public Launched launch(Launch launch, Host host, ExitHandler handler) throws IsolationException {
        SpawnServer s = server();
        try {
            return launch(s, launch, host, handler);
        } catch (IsolationException e) {
            if (e.errno() != Posix.EPIPE || !SpawnServer.SEND_STEP.equals(e.step())) {
                throw e;
            }
            // The server died before the request reached it, so nothing was created: a new server takes it.
            return launch(replace(s), launch, host, handler);
        }
    }

    private Launched launch(SpawnServer s, Launch launch, Host host, ExitHandler handler) throws IsolationException {
        int requestId = s.nextRequestId();
        java.nio.ByteBuffer request;
        try {
            request = SpawnRequest.encode(requestId, launch, host.privileged(), cgroups.plan(launch.resources()));
        } catch (IllegalArgumentException e) {
            throw new IsolationException("validate", e.getMessage());
        }
        launching.put(requestId, handler);
        try {
            int[] descriptors = launch.descriptors();
            return s.spawn(requestId, request, SpawnRequest.sent(descriptors), descriptors);
        } finally {
            launching.remove(requestId);
        }
    }

    @Override
    public Map<String, String> resourceFeatures() {
        return cgroups.features();
    }

    @Override
    public void checkResources(Resources resources) throws IsolationException {
        cgroups.check(resources);
    }

    @Override
    public void checkFilesystem(Filesystem filesystem, IsolationRequest isolation) throws IsolationException {
        Mounts.check(filesystem, isolation);
    }

    @Override
    public Optional<ResourceUsage> usage(int pid) {
        return cgroups.usage(pid);
    }

    @Override
    public boolean release(int pid) {
        synchronized (earlyExits) {
            Watch w = watches.get(pid);
            if (w == null) {
                return false;
            }
            Held h = new Held();
            held.put(pid, h);
            // The server goes on watching; only the handler changes.
            watches.put(pid, new Watch(w.pidfd(), h));
            return true;
        }
    }

    @Override
    public void adopt(int pid, int pidfd, ExitHandler handler) throws IsolationException {
        EarlyExit heldExit;
        synchronized (earlyExits) {
            Held h = held.remove(pid);
            if (h != null && h.exit == null) {
                // Released and still running: the server watches it already.
                watches.put(pid, new Watch(pidfd, handler));
                return;
            }
            heldExit = h == null ? null : h.exit;
        }
        if (heldExit != null) {
            handler.exited(pid, heldExit.code(), heldExit.signal(), heldExit.known(), heldExit.oomKilled());
            return;
        }
        watches.put(pid, new Watch(pidfd, handler));
        try {
            server().adopt(pid, pidfd);
        } catch (PosixException e) {
            watches.remove(pid);
            throw new IsolationException("adopt", e.errno(), "adopting pid " + pid + ": " + e.getMessage());
        }
    }

    /**
     * Stops the server without killing its children: whoever owns them has
     * adopted them elsewhere. Call from the component's deactivate.
     */
    protected void close() {
        synchronized (lifecycle) {
            closed = true;
            SpawnServer s = server;
            server = null;
            if (s != null) {
                s.detach();
            }
        }
        watches.clear();
        synchronized (earlyExits) {
            held.clear();
        }
        cgroups.close();
    }

    // ---- events from the reader thread ----

    @Override
    public void spawned(int requestId, Launched launched) {
        ExitHandler handler = launching.get(requestId);
        if (handler == null) {
            return;
        }
        EarlyExit early;
        synchronized (earlyExits) {
            early = earlyExits.remove(launched.pid());
            if (early == null) {
                watches.put(launched.pid(), new Watch(launched.pidfd(), handler));
                return;
            }
        }
        handler.exited(launched.pid(), early.code(), early.signal(), early.known(), early.oomKilled());
    }

    @Override
    public void exited(int pid, int code, int signal, boolean known, boolean oomKilled) {
        Watch w;
        synchronized (earlyExits) {
            w = watches.remove(pid);
            if (w != null && w.handler() instanceof Held h) {
                // Released: kept for the handler that adopts it next (stored under the lock adopt takes).
                h.exited(pid, code, signal, known, oomKilled);
                return;
            }
            if (w == null) {
                // Its SPAWNED reply is still on the way to the spawning thread; keep it briefly.
                long now = System.nanoTime();
                earlyExits.values().removeIf(e -> now - e.at() > EARLY_EXIT_NANOS);
                earlyExits.put(pid, new EarlyExit(code, signal, known, oomKilled, now));
                return;
            }
        }
        w.handler().exited(pid, code, signal, known, oomKilled);
    }

    @Override
    public void ended(SpawnServer s, boolean detached) {
        synchronized (lifecycle) {
            if (server != s) {
                return;
            }
            server = null;
            if (closed || detached) {
                return;
            }
            io.corral.log.Log.of(SpawnServerProvider.class).warn(platform + ": spawn server " + s.pid()
                + " ended; starting a new one");
            try {
                startServer(true);
            } catch (IsolationException e) {
                // The next launch tries again; watched processes are adopted then.
                io.corral.log.Log.of(SpawnServerProvider.class).error(platform + ": " + e.getMessage());
            }
        }
    }
}
