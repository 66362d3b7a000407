package io.corral.control.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.Test;

/** The API over TCP is offered to this machine only: loopback addresses, a valid port. */
public class TcpAddressTest {

    private static ServerConnector connector(String address) {
        return ControlServer.tcpConnector(new Server(), new HttpConfiguration(), address);
    }

    @Test
    public void loopbackAddressesAreTaken() {
        assertEquals(8443, connector("127.0.0.1:8443").getPort());
        assertEquals("::1", connector("[::1]:8443").getHost());
        assertEquals("localhost", connector("localhost:1").getHost());
    }

    @Test
    public void anyOtherAddressOrABadPortIsRefusedWithTheRule() {
        for (String bad : new String[] {"0.0.0.0:8443", "10.1.2.3:8443", "example.org:80", "127.0.0.1:0",
                "127.0.0.1:65536", "127.0.0.1", "127.0.0.1:x", ":8443"}) {
            try {
                connector(bad);
                fail("accepted " + bad);
            } catch (IllegalArgumentException e) {
                assertEquals("tcp \"" + bad + "\" (io.corral.control or corral.control.tcp): must be a loopback address"
                    + " and a port from 1 to 65535, e.g. 127.0.0.1:8443", e.getMessage());
            }
        }
    }
}
