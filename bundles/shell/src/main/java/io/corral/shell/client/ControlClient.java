package io.corral.shell.client;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/corral shell [-c COMMANDS]}: a Gogo session in a running
 * instance over its control socket. Plain Java with no dependency, run from
 * the shell bundle's jar: {@code java -cp io.corral.shell.jar
 * io.corral.shell.client.ControlClient SOCKET [-c COMMANDS]}.
 *
 * <p>Exit status: with {@code -c}, the commands' (0 when every command
 * succeeded, else 1); interactively, the last command's; 1 when the instance
 * cannot be reached, with a one-line reason.
 */
public final class ControlClient {

    private ControlClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("-c"))) {
            System.err.println("usage: ControlClient SOCKET [-c COMMANDS]");
            return 2;
        }
        Path socket = Path.of(args[0]);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            System.err.println("corral: " + unreachable(socket, e));
            return 1;
        }
        try (channel) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            OutputStream out = Channels.newOutputStream(channel);
            if (args.length == 3) {
                return execute(in, out, args[2]);
            }
            return interactive(in, out);
        } catch (IOException e) {
            System.err.println("corral: the connection to " + socket + " failed: " + e.getMessage());
            return 1;
        }
    }

    private static String unreachable(Path socket, IOException e) {
        String m = String.valueOf(e.getMessage());
        // First: another user cannot even see whether the socket exists (run/ is the owner's alone).
        if (m.contains("Permission denied")) {
            return "permission denied on " + socket + ": only the user who runs the instance may connect";
        }
        if (!Files.exists(socket) || m.contains("No such file") || m.contains("Connection refused")) {
            return "no instance is running here (nothing listens on " + socket + "); start one with: bin/corral start";
        }
        return "cannot connect to " + socket + ": " + m;
    }

    /** Sends one command line and copies the answer; returns its status. */
    static int execute(DataInputStream in, OutputStream out, String line) throws IOException {
        IOException unsent = null;
        try {
            ControlProtocol.write(out, ControlProtocol.COMMAND, line);
        } catch (IOException e) {
            // The instance may have refused us and closed first: its reason is still there to read.
            unsent = e;
        }
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        while (true) {
            ControlProtocol.Frame f;
            try {
                f = ControlProtocol.read(in);
            } catch (IOException e) {
                throw unsent != null ? unsent : e;
            }
            if (f == null) {
                stderr.println("corral: the instance closed the connection"
                    + (unsent != null ? ": " + unsent.getMessage() : ""));
                return 1;
            }
            switch (f.type()) {
                case ControlProtocol.OUT -> stdout.write(f.payload(), 0, f.payload().length);
                case ControlProtocol.ERR -> stderr.write(f.payload(), 0, f.payload().length);
                case ControlProtocol.EXIT -> {
                    stdout.flush();
                    stderr.flush();
                    try {
                        return Integer.parseInt(f.text().trim());
                    } catch (NumberFormatException e) {
                        return 1;
                    }
                }
                default -> throw new IOException("unexpected frame type '" + (char) f.type() + "'");
            }
        }
    }

    /** One command line per input line, in one session, until end of input or "exit". */
    private static int interactive(DataInputStream in, OutputStream out) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean terminal = System.console() != null;
        int status = 0;
        while (true) {
            if (terminal) {
                System.out.print("corral> ");
                System.out.flush();
            }
            String line = stdin.readLine();
            if (line == null || line.trim().equals("exit") || line.trim().equals("quit")) {
                return status;
            }
            if (!line.isBlank()) {
                status = execute(in, out, line);
            }
        }
    }
}
