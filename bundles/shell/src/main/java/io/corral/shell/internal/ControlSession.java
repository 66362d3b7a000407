package io.corral.shell.internal;

import io.corral.shell.client.ControlProtocol;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** One connection to the control socket: one Gogo session, command lines in, output and a status out. */
final class ControlSession implements Runnable {

    private final CommandProcessor processor;
    private final SocketChannel channel;
    private final UserPrincipal owner;

    ControlSession(CommandProcessor processor, SocketChannel channel, UserPrincipal owner) {
        this.processor = processor;
        this.channel = channel;
        this.owner = owner;
    }

    @Override
    public void run() {
        try (channel) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            OutputStream raw = Channels.newOutputStream(channel);
            // Second check after the file mode: the peer's credentials, from the kernel.
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner)) {
                ControlProtocol.write(raw, ControlProtocol.ERR, "corral: permission denied: this instance's control"
                    + " socket admits only " + owner.getName() + ", not " + peer.user().getName() + "\n");
                ControlProtocol.write(raw, ControlProtocol.EXIT, "1");
                drain();
                return;
            }
            // Tells the client that its session is taken: it stops counting its timeout.
            ControlProtocol.write(raw, ControlProtocol.READY, "");
            PrintStream out = new PrintStream(ControlProtocol.frames(raw, ControlProtocol.OUT), true,
                StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(ControlProtocol.frames(raw, ControlProtocol.ERR), true,
                StandardCharsets.UTF_8);
            // Commands read no input: the connection carries command lines only.
            try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err)) {
                session.put("SCOPE", "corral:*");
                session.put(ExitCommand.ENDS_ON_EXIT, Boolean.TRUE);
                for (ControlProtocol.Frame f = ControlProtocol.read(in); f != null; f = ControlProtocol.read(in)) {
                    if (f.type() != ControlProtocol.COMMAND) {
                        throw new IOException("unexpected frame type '" + (char) f.type() + "'");
                    }
                    int status = BatchRunner.execute(session, f.text(), out, err);
                    ControlProtocol.write(raw, ControlProtocol.EXIT, Integer.toString(status));
                    if (ExitCommand.exited(session)) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // The client went away or spoke nonsense: its session ends.
        }
    }

    /**
     * Reads what a refused client sent, for a second at most: closing a Unix
     * socket with unread data resets the connection, and the client would
     * lose the reason it was refused.
     */
    private void drain() throws IOException {
        channel.shutdownOutput();
        channel.configureBlocking(false);
        java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(4096);
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            int n = channel.read(sink);
            if (n < 0) {
                return;
            }
            sink.clear();
            if (n == 0) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
