package io.corral.shell.internal;

import static org.junit.Assert.assertEquals;

import io.corral.shell.client.ControlClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

public class RefusalTest {

    @Test
    public void aRefusedClientReadsTheReasonAfterTheInstanceClosedAndExitsOne() throws Exception {
        Path socket = Files.createTempDirectory("refusal").resolve("corral.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            // The instance refuses (and closes) before the client has sent its command.
            Thread instance = new Thread(() -> {
                try {
                    ControlSocket.refuse(server.accept(), "corral: too many sessions");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            instance.start();
            PrintStream saved = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                Thread.sleep(100);
                status = ControlClient.run(new String[] {socket.toString(), "-c", "corral:version"}, "5");
            } finally {
                System.setErr(saved);
            }
            instance.join(5000);
            assertEquals(1, status);
            assertEquals(List.of("corral: too many sessions"), err.toString(StandardCharsets.UTF_8).lines().toList());
        } finally {
            Files.deleteIfExists(socket);
        }
    }
}
