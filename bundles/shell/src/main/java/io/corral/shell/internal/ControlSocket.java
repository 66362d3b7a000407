package io.corral.shell.internal;

import io.corral.log.PrivateSocket;
import io.corral.shell.client.ControlProtocol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The control socket, {@code ${corral.base}/run/corral.sock}: a Unix socket,
 * mode 0600, that serves a Gogo session per connection to the user who runs
 * the instance (file permissions, and the peer's credentials as a second
 * check). Active only when the framework
 * property {@value #CONTROL_PROPERTY} is true, which {@code bin/corral} sets
 * for the foreground and daemon modes (not for {@code -c}, a throwaway instance).
 * At most {@code max.sessions} sessions run at once; the next connection is
 * told so and closed.
 */
@Component(immediate = true, configurationPid = ControlSocket.PID)
@Designate(ocd = ControlSocket.Config.class)
public final class ControlSocket {

    static final String PID = "io.corral.shell.control";

    @ObjectClassDefinition(name = "Corral control socket")
    public @interface Config {
        @AttributeDefinition(description = "Control sessions (bin/corral shell) served at once, 1 to "
            + MOST_SESSIONS + "; the next connection is told so and closed")
        // The property is max.sessions: DS turns the underscore into a dot.
        int max_sessions() default DEFAULT_SESSIONS;
    }

    static final int DEFAULT_SESSIONS = 64;
    static final int MOST_SESSIONS = 10_000;
    static final String CONTROL_PROPERTY = "corral.control";

    /** Opens the socket once the framework has started (null when it is not enabled). */
    private io.corral.log.WhenStarted started;

    private final CommandProcessor processor;
    private final BundleContext context;
    private final boolean enabled;
    private final Path socket;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final SessionSlots slots;
    private final Completions completions;
    private ServerSocketChannel server;
    private boolean closed;

    @Activate
    public ControlSocket(@Reference CommandProcessor processor, BundleContext context, Config config) {
        this.processor = processor;
        this.context = context;
        this.slots = new SessionSlots(maxSessions(config));
        this.completions = new Completions(context);
        String base = context.getProperty("corral.base");
        this.enabled = base != null && "true".equals(context.getProperty(CONTROL_PROPERTY));
        Path run = base != null ? Path.of(base, "run") : null;
        this.socket = run != null ? run.resolve("corral.sock") : null;
        if (!enabled) {
            return;
        }
        try {
            Files.createDirectories(run);
        } catch (IOException e) {
            io.corral.log.Log.of(ControlSocket.class).error("creating " + run + ": " + e);
        }
        // Listen once every bundle has started, so that the first command finds every service.
        started = io.corral.log.WhenStarted.run(context, this::open);
    }

    /** A new bound applies to the next connection; sessions that run go on. */
    @Modified
    void modified(Config config) {
        slots.max(maxSessions(config));
    }

    /** The configured bound, or the default with a line that names the bad value and the rule. */
    static int maxSessions(Config config) {
        int n = config.max_sessions();
        if (n < 1 || n > MOST_SESSIONS) {
            io.corral.log.Log.of(ControlSocket.class).warn(PID + ": max.sessions " + n + ": must be from 1 to "
                + MOST_SESSIONS + "; using " + DEFAULT_SESSIONS);
            return DEFAULT_SESSIONS;
        }
        return n;
    }

    @Deactivate
    void deactivate() {
        if (!enabled) {
            return;
        }
        started.close();
        synchronized (this) {
            closed = true;
            if (server != null) {
                try {
                    server.close();
                } catch (IOException e) {
                    // Closing anyway.
                }
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException e) {
                    io.corral.log.Log.of(ControlSocket.class).warn("removing " + socket + ": " + e);
                }
            }
        }
        for (SocketChannel c : connections) {
            try {
                c.close();
            } catch (IOException e) {
                // The session ends either way.
            }
        }
    }

    private synchronized void open() {
        if (closed || server != null) {
            return;
        }
        try {
            server = bind(socket);
            UserPrincipal owner = Files.getOwner(socket);
            ServerSocketChannel listening = server;
            Thread t = new Thread(new AcceptLoop<>(listening::accept, c -> serve(c, owner),
                io.corral.log.Log.of(ControlSocket.class)::error),
                "corral-control");
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            io.corral.log.Log.of(ControlSocket.class).error("control socket " + socket + ": " + e.getMessage()
                + "; bin/corral shell cannot reach this instance");
        }
    }

    /** Bound where nobody else can reach it at any moment (see {@link PrivateSocket}). */
    static ServerSocketChannel bind(Path socket) throws IOException {
        return PrivateSocket.bind(socket);
    }

    /** A session on a thread of its own while a slot is free; otherwise one line that says so. */
    private void serve(SocketChannel c, UserPrincipal owner) {
        if (!slots.tryTake()) {
            refuse(c, "corral: this instance already serves " + slots.taken() + " control sessions, the most it"
                + " takes (max.sessions of " + PID + " is " + slots.max() + "); try again when one has ended");
            return;
        }
        connections.add(c);
        Thread t = new Thread(() -> {
            try {
                new ControlSession(processor, c, owner, completions).run();
            } finally {
                connections.remove(c);
                slots.give();
            }
        }, "corral-control-" + connectionCount.incrementAndGet());
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            // No thread to be had (the process or user is at its limit): this session only is lost.
            connections.remove(c);
            slots.give();
            refuse(c, "corral: the instance cannot start a thread for the session: " + e.getMessage());
        }
    }

    /**
     * Tells a connection why it is not served, as an answer to the command it
     * sends, and closes it; never blocks the accept loop (a new connection's
     * buffer takes the two frames whole). The client reads the reason even
     * after the close: a Unix socket keeps what was sent for the peer to read.
     */
    static void refuse(SocketChannel c, String reason) {
        try (c) {
            c.configureBlocking(false);
            byte[] err = ControlProtocol.frame(ControlProtocol.ERR, reason + "\n");
            byte[] exit = ControlProtocol.frame(ControlProtocol.EXIT, "1");
            c.write(ByteBuffer.allocate(err.length + exit.length).put(err).put(exit).flip());
            c.shutdownOutput();
        } catch (IOException e) {
            // The client went away first: nobody to tell.
        }
    }
}
