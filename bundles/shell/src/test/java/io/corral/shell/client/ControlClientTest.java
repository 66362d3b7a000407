package io.corral.shell.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class ControlClientTest {

    private Path dir;
    private Path socket;
    private ServerSocketChannel server;
    private final List<SocketChannel> open = new ArrayList<>();

    @Before
    public void listen() throws IOException {
        dir = Files.createTempDirectory("control-client");
        Files.createDirectories(dir.resolve("run"));
        socket = dir.resolve("run/corral.sock");
    }

    @After
    public void close() throws IOException {
        for (SocketChannel c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        Files.deleteIfExists(socket);
    }

    /** What the client printed on its standard output and error, and its status. */
    record Run(int status, String out, String err, long millis) {
    }

    private static Run client(String timeout, String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = ControlClient.run(args, timeout);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - start) / 1_000_000);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    public void theTimeoutIsWholeSecondsFromZeroToADayAndTenByDefault() {
        assertEquals(10, ControlClient.timeoutSeconds(null));
        assertEquals(10, ControlClient.timeoutSeconds(""));
        assertEquals(0, ControlClient.timeoutSeconds("0"));
        assertEquals(7, ControlClient.timeoutSeconds(" 7 "));
        assertEquals(86_400, ControlClient.timeoutSeconds("86400"));
        for (String bad : List.of("abc", "-1", "86401", "1.5")) {
            try {
                ControlClient.timeoutSeconds(bad);
                fail(bad);
            } catch (IllegalArgumentException e) {
                assertEquals("CORRAL_SHELL_TIMEOUT \"" + bad + "\": must be a whole number of seconds from 0 (wait"
                    + " for ever) to 86400", e.getMessage());
            }
        }
        Run r = client("soon", socket.toString(), "-c", "corral:version");
        assertEquals(2, r.status());
        assertEquals(List.of("corral: CORRAL_SHELL_TIMEOUT \"soon\": must be a whole number of seconds from 0 (wait"
            + " for ever) to 86400"), r.err().lines().toList());
    }

    @Test
    public void anInstanceThatNeverTakesTheSessionIsGivenUpAfterTheTimeout() throws IOException {
        // A listener that never accepts: the connection waits in its backlog, as with an instance out of descriptors.
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Run r = client("1", socket.toString(), "-c", "corral:version");
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertEquals(List.of("corral: " + socket + ": the instance took no session: no answer within 1 s; the instance"
            + " may be out of file descriptors or stuck (see " + dir.resolve("log/corral.log")
            + "; CORRAL_SHELL_TIMEOUT=SECONDS waits longer)"), r.err().lines().toList());
        assertTrue("took " + r.millis() + " ms", r.millis() >= 900 && r.millis() < 5000);
    }

    @Test
    public void aConnectThatBlocksOnAFullBacklogIsGivenUpAfterTheTimeout() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 1);
        // Fill the backlog: a non-blocking connect fails once it is full, where a blocking one would wait.
        for (int i = 0; i < 100; i++) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            open.add(c);
            c.configureBlocking(false);
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException full) {
                break;
            }
        }
        Run r = client("1", socket.toString(), "-c", "corral:version");
        assertEquals(1, r.status());
        assertEquals(List.of("corral: connect to " + socket + ": no answer within 1 s; the instance may be out of file"
            + " descriptors or stuck (see " + dir.resolve("log/corral.log") + "; CORRAL_SHELL_TIMEOUT=SECONDS waits"
            + " longer)"), r.err().lines().toList());
        assertTrue("took " + r.millis() + " ms", r.millis() >= 900 && r.millis() < 5000);
    }

    @Test
    public void aCommandMayTakeLongerThanTheTimeoutOnceTheSessionIsTaken() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread instance = new Thread(() -> {
            try (SocketChannel c = server.accept()) {
                OutputStream out = Channels.newOutputStream(c);
                ControlProtocol.write(out, ControlProtocol.READY, "");
                ControlProtocol.Frame command = ControlProtocol.read(new DataInputStream(Channels.newInputStream(c)));
                Thread.sleep(1500);
                ControlProtocol.write(out, ControlProtocol.OUT, "ran " + command.text() + "\n");
                ControlProtocol.write(out, ControlProtocol.EXIT, "0");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        instance.start();
        Run r = client("1", socket.toString(), "-c", "corral:spawn --wait /bin/sleep 1.5");
        instance.join(5000);
        assertEquals(r.err(), 0, r.status());
        assertEquals("ran corral:spawn --wait /bin/sleep 1.5\n", r.out());
    }

    @Test
    public void noTimeoutWithZero() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(1500);
                try (SocketChannel c = server.accept()) {
                    OutputStream out = Channels.newOutputStream(c);
                    ControlProtocol.read(new DataInputStream(Channels.newInputStream(c)));
                    ControlProtocol.write(out, ControlProtocol.READY, "");
                    ControlProtocol.write(out, ControlProtocol.EXIT, "0");
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        late.start();
        Run r = client("0", socket.toString(), "-c", "corral:version");
        late.join(5000);
        assertEquals(r.err(), 0, r.status());
    }
}
