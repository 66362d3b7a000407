package io.corral.control.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import org.eclipse.jetty.server.Request;

/**
 * Keeps web pages out of the control API on TCP. Any page a browser on this
 * machine shows could otherwise reach a loopback address: a GET (Unit's
 * restart is one) needs no permission, and DNS rebinding gives a foreign
 * page a same-origin view of it. So the Host must name this loopback address,
 * an {@code Origin} must be this address's own, and a browser's
 * {@code Sec-Fetch-Site} must say the request came from the console itself
 * or from the address bar. curl sends none of the last two.
 */
final class BrowserGuard {

    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

    private BrowserGuard() {
    }

    static String refusal(Request request, SocketAddress local) {
        int port = local instanceof InetSocketAddress a ? a.getPort() : -1;
        String host = request.getHeaders().get("Host");
        if (host == null || !allowedHost(host, port)) {
            return "the Host header \"" + host + "\" does not name this loopback address (localhost:" + port
                + " or 127.0.0.1:" + port + ")";
        }
        String origin = request.getHeaders().get("Origin");
        if (origin != null && !origin.equals("http://" + host)) {
            return "a request from the web page at " + origin + " is not served";
        }
        String site = request.getHeaders().get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "a request that a web page of another site made (Sec-Fetch-Site: " + site + ") is not served";
        }
        return null;
    }

    private static boolean allowedHost(String host, int port) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.endsWith("]")) {
            return false;
        }
        return LOOPBACK_NAMES.contains(host.substring(0, colon)) && host.substring(colon + 1).equals(Integer.toString(port));
    }
}
