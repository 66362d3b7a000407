package io.corral.control.internal;

import io.corral.api.app.ApplicationManager;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessAdmin;
import io.corral.log.Log;
import io.corral.log.PrivateSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.osgi.framework.BundleContext;
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
 * NGINX Unit's control API on {@code ${corral.base}/run/control.unit.sock}
 * (mode 0600 in the 0700 run directory; the peer's credentials checked as a
 * second guard), served by Jetty. Active where the Gogo control socket is:
 * when the framework property {@code corral.control} is true, which
 * {@code bin/corral} sets for the foreground and daemon modes. Optionally on
 * a TCP address too, off by default (see docs/operating.md for why).
 */
@Component(immediate = true, configurationPid = ControlServer.PID)
@Designate(ocd = ControlServer.Config.class)
public final class ControlServer {

    static final String PID = "io.corral.control";
    static final String SOCKET = "control.unit.sock";

    @ObjectClassDefinition(name = "Corral control API",
        description = "NGINX Unit's control API over HTTP on run/control.unit.sock")
    public @interface Config {
        @AttributeDefinition(description = "Also listen on this loopback TCP address, HOST:PORT (e.g."
            + " 127.0.0.1:8443); empty: off (the default), unless the framework property corral.control.tcp names"
            + " one. Every local user can connect to it: there is no peer check over TCP")
        String tcp() default "";

        @AttributeDefinition(description = "Serve the web console under /console (needs tcp for a browser); also on"
            + " when the framework property corral.control.console is true")
        boolean console() default false;
    }

    private static final Log LOG = Log.of(ControlServer.class);

    /** Opens the socket once the framework has started (null when it is not enabled). */
    private io.corral.log.WhenStarted started;

    private final BundleContext context;
    private final ApplicationManager apps;
    private final Path socket;
    /** Every bundle's processes: the applications' belong to the app bundle. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ProcessAdmin admin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PortRegistry ports;
    private final String tcp;
    private final boolean console;
    private Server server;
    private boolean closed;

    @Activate
    public ControlServer(BundleContext context, Config config, @Reference ApplicationManager apps) {
        this.context = context;
        this.apps = apps;
        this.tcp = !config.tcp().isBlank() ? config.tcp().trim()
            : Optional.ofNullable(context.getProperty("corral.control.tcp")).orElse("").trim();
        this.console = config.console() || "true".equals(context.getProperty("corral.control.console"));
        String base = context.getProperty("corral.base");
        boolean enabled = base != null && "true".equals(context.getProperty("corral.control"));
        this.socket = enabled ? Path.of(base, "run", SOCKET) : null;
        if (!enabled) {
            return;
        }
        // Listen once every bundle has started, so that the first request finds every service.
        started = io.corral.log.WhenStarted.run(context, this::open);
    }

    @Deactivate
    void deactivate() {
        if (socket == null) {
            return;
        }
        started.close();
        Server s;
        synchronized (this) {
            closed = true;
            s = server;
            server = null;
        }
        if (s != null) {
            try {
                s.stop();
            } catch (Exception e) {
                LOG.warn("stopping the control API: " + e);
            }
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("removing " + socket + ": " + e);
            }
        }
    }

    private synchronized void open() {
        if (closed || server != null) {
            return;
        }
        Server s = null;
        try {
            Files.createDirectories(socket.getParent());
            QueuedThreadPool threads = new QueuedThreadPool(16, 2);
            // Not "corral-control-": that prefix names the Gogo socket's session threads.
            threads.setName("corral-unit-api");
            threads.setDaemon(true);
            s = new Server(threads);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendDateHeader(true);
            boolean onTcp = false;
            if (!tcp.isEmpty()) {
                try {
                    s.addConnector(tcpConnector(s, http, tcp));
                    onTcp = true;
                } catch (IllegalArgumentException e) {
                    // A wrong optional address costs the TCP side only.
                    LOG.error("control API: " + e.getMessage() + "; not listening on TCP");
                }
            }
            PrivateSocket bound = PrivateSocket.prepare(socket);
            try {
                UnixDomainServerConnector unix = new UnixDomainServerConnector(s, 1, 1,
                    new HttpConnectionFactory(http));
                unix.setUnixDomainPath(bound.inside());
                s.addConnector(unix);
                // The instance's user: the private directory was just made by it.
                UserPrincipal owner = Files.getOwner(bound.inside().getParent());
                s.setHandler(new HttpFront(new ControlApi(apps, this::process), owner,
                    console ? new ConsolePage(apps, () -> Optional.ofNullable(ports)) : null));
                s.start();
                bound.publish();
            } finally {
                bound.cleanUp();
            }
            server = s;
            LOG.info("control API on " + socket + (onTcp ? " and " + tcp : "")
                + (console ? "; web console at " + (onTcp ? "http://" + tcp + "/console" : "/console") : ""));
        } catch (Exception e) {
            LOG.error("control API " + socket + ": " + e.getMessage() + "; the control API is off");
            if (s != null) {
                try {
                    s.stop();
                } catch (Exception ignored) {
                    // Failed to start; nothing more to undo.
                }
            }
        }
    }

    static ServerConnector tcpConnector(Server s, HttpConfiguration http, String address) {
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        String host = colon > 0 ? address.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 1 || port > 65535 || !loopback(host)) {
            throw new IllegalArgumentException("tcp \"" + address + "\" (" + PID + " or corral.control.tcp): must be"
                + " a loopback address and a port from 1 to 65535, e.g. 127.0.0.1:8443");
        }
        ServerConnector c = new ServerConnector(s, 1, 1, new HttpConnectionFactory(http));
        c.setHost(host);
        c.setPort(port);
        return c;
    }

    /** Only this machine: the API over TCP has no peer check, so it is never offered to the network. */
    private static boolean loopback(String host) {
        if (!host.equals("localhost") && !host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name is not looked up: only an address or localhost
        }
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private Optional<ManagedProcess> process(int pid) {
        ProcessAdmin a = admin;
        return a == null ? Optional.empty() : a.process(pid);
    }
}
