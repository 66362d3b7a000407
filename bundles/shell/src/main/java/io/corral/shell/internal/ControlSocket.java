package io.corral.shell.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The control socket, {@code ${corral.base}/run/corral.sock}: a Unix socket,
 * mode 0600, that serves a Gogo session per connection to the user who runs
 * the instance (file permissions, and the peer's credentials as a second
 * check). Also keeps {@code run/corral.pid}. Active only when the framework
 * property {@value #CONTROL_PROPERTY} is true, which {@code bin/corral} sets
 * for the foreground and daemon modes (not for {@code -c}, a throwaway instance).
 */
@Component(immediate = true)
public final class ControlSocket implements FrameworkListener {

    static final String CONTROL_PROPERTY = "corral.control";
    /** sun_path holds 108 bytes with the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private final CommandProcessor processor;
    private final BundleContext context;
    private final boolean enabled;
    private final Path socket;
    private final PidFile pidFile;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private ServerSocketChannel server;
    private boolean closed;

    @Activate
    public ControlSocket(@Reference CommandProcessor processor, BundleContext context) {
        this.processor = processor;
        this.context = context;
        String base = context.getProperty("corral.base");
        this.enabled = base != null && "true".equals(context.getProperty(CONTROL_PROPERTY));
        Path run = base != null ? Path.of(base, "run") : null;
        this.socket = run != null ? run.resolve("corral.sock") : null;
        this.pidFile = run != null ? new PidFile(run.resolve("corral.pid")) : null;
        if (!enabled) {
            return;
        }
        try {
            Files.createDirectories(run);
            pidFile.write();
        } catch (IOException e) {
            io.corral.log.Log.of(ControlSocket.class).error("writing " + run.resolve("corral.pid") + ": " + e);
        }
        // Listen once every bundle has started, so that the first command finds every service.
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            open();
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            open();
        }
    }

    @Deactivate
    void deactivate() {
        if (!enabled) {
            return;
        }
        context.removeFrameworkListener(this);
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
        pidFile.remove();
    }

    private synchronized void open() {
        if (closed || server != null) {
            return;
        }
        try {
            server = bind(socket);
            UserPrincipal owner = Files.getOwner(socket);
            Thread t = new Thread(() -> accept(server, owner), "corral-control");
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            io.corral.log.Log.of(ControlSocket.class).error("control socket " + socket + ": " + e.getMessage()
                + "; bin/corral shell cannot reach this instance");
        }
    }

    /**
     * Binds the socket where nobody else can reach it yet (a fresh 0700
     * directory), makes it 0600, then renames it into place: there is no
     * moment when another user could connect.
     */
    static ServerSocketChannel bind(Path socket) throws IOException {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IOException("the path is longer than a Unix socket allows (" + MAX_SOCKET_PATH
                + " bytes); choose a shorter CORRAL_BASE");
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            if (listening(socket)) {
                throw new IOException("another instance listens on it");
            }
            Files.delete(socket); // left behind by an instance that was killed
        }
        Path dir = Files.createTempDirectory(socket.getParent(), ".control-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path inside = dir.resolve("s");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(inside));
            Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
            Files.move(inside, socket, StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        } finally {
            Files.deleteIfExists(inside);
            Files.deleteIfExists(dir);
        }
    }

    private static boolean listening(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void accept(ServerSocketChannel server, UserPrincipal owner) {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                io.corral.log.Log.of(ControlSocket.class).error("control socket: " + e);
                return;
            }
            connections.add(c);
            Thread t = new Thread(() -> {
                try {
                    new ControlSession(processor, c, owner).run();
                } finally {
                    connections.remove(c);
                }
            }, "corral-control-" + connectionCount.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }
}
