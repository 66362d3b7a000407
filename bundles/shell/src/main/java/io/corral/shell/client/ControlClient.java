package io.corral.shell.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code bin/corral shell [-c COMMANDS]}: a Gogo session in a running
 * instance over its control socket. Plain Java with no dependency, run from
 * the shell bundle's jar: {@code java -cp io.corral.shell.jar
 * io.corral.shell.client.ControlClient SOCKET [-c COMMANDS]}.
 *
 * <p>It waits at most {@value #TIMEOUT_VARIABLE} seconds ({@value
 * #DEFAULT_TIMEOUT_SECONDS} by default, 0 for ever) to connect and for the
 * instance to take the session (its first frame), then gives up with a
 * one-line reason: an instance out of descriptors or stuck takes
 * connections into its backlog and never answers. A command may then run as
 * long as it takes.
 *
 * <p>Exit status: with {@code -c}, the commands' (0 when every command
 * succeeded, else 1); interactively, the last command's; 1 when the instance
 * cannot be reached or does not answer in time, with a one-line reason; 2 for
 * bad arguments or a bad {@value #TIMEOUT_VARIABLE}.
 */
public final class ControlClient {

    static final String TIMEOUT_VARIABLE = "CORRAL_SHELL_TIMEOUT";
    /** The status of a command that Ctrl-C ended. */
    static final int INTERRUPTED_STATUS = 130;
    static final long DEFAULT_TIMEOUT_SECONDS = 10;
    static final long MOST_TIMEOUT_SECONDS = 86_400;

    private ControlClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(TIMEOUT_VARIABLE)));
    }

    /** Runs the client; {@code timeoutSetting} is the value of {@value #TIMEOUT_VARIABLE}, or null. */
    public static int run(String[] args, String timeoutSetting) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("-c"))) {
            System.err.println("usage: ControlClient SOCKET [-c COMMANDS]");
            return 2;
        }
        long timeoutSeconds;
        try {
            timeoutSeconds = timeoutSeconds(timeoutSetting);
        } catch (IllegalArgumentException e) {
            System.err.println("corral: " + e.getMessage());
            return 2;
        }
        Path socket = Path.of(args[0]);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            System.err.println("corral: cannot open a socket: " + e.getMessage());
            return 1;
        }
        try (channel; Deadline deadline = new Deadline(channel, timeoutSeconds * 1000)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                System.err.println("corral: " + (deadline.expired()
                    ? "connect to " + socket + ": " + noAnswer(socket, timeoutSeconds) : unreachable(socket, e)));
                return 1;
            }
            DataInputStream in = new DataInputStream(ChannelStreams.in(channel));
            OutputStream out = ChannelStreams.out(channel);
            try {
                if (args.length == 3) {
                    sendWidth(out, Prompt.columns());
                    return execute(in, out, args[2], deadline);
                }
                return interactive(in, out, deadline, socket);
            } catch (IOException e) {
                if (deadline.expired()) {
                    System.err.println("corral: " + socket + ": the instance took no session: "
                        + noAnswer(socket, timeoutSeconds));
                } else {
                    System.err.println("corral: the connection to " + socket + " failed: " + e.getMessage());
                }
                return 1;
            }
        } catch (IOException e) {
            return 1; // closing the channel
        }
    }

    /** The timeout in seconds: the variable's value, or the default when it is not set. */
    static long timeoutSeconds(String setting) {
        if (setting == null || setting.isBlank()) {
            return DEFAULT_TIMEOUT_SECONDS;
        }
        String rule = ": must be a whole number of seconds from 0 (wait for ever) to " + MOST_TIMEOUT_SECONDS;
        long seconds;
        try {
            seconds = Long.parseLong(setting.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TIMEOUT_VARIABLE + " \"" + setting + "\"" + rule);
        }
        if (seconds < 0 || seconds > MOST_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException(TIMEOUT_VARIABLE + " \"" + setting + "\"" + rule);
        }
        return seconds;
    }

    private static String noAnswer(Path socket, long seconds) {
        Path log = socket.toAbsolutePath().getParent().resolveSibling("log").resolve("corral.log");
        return "no answer within " + seconds + " s; the instance may be out of file descriptors or stuck (see "
            + log + "; " + TIMEOUT_VARIABLE + "=SECONDS waits longer)";
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

    /**
     * Sends one command line and copies the answer; returns its status. The
     * first frame of the session (the instance's {@link ControlProtocol#READY},
     * or its reason for refusing the session) ends the deadline.
     */
    static int execute(DataInputStream in, OutputStream out, String line, Deadline deadline) throws IOException {
        IOException unsent = null;
        try {
            ControlProtocol.write(out, ControlProtocol.COMMAND, line);
        } catch (IOException e) {
            // The instance may have refused us and closed first: its reason is still there to read.
            unsent = e;
        }
        try {
            return answer(in, null, deadline);
        } catch (IOException e) {
            throw unsent != null && !deadline.expired() ? unsent : e;
        } catch (Closed e) {
            System.err.println("corral: the instance closed the connection"
                + (unsent != null ? ": " + unsent.getMessage() : ""));
            return 1;
        }
    }

    /** The connection ended between frames. */
    private static final class Closed extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Copies frames to standard output and error until the status; {@code
     * first} is a frame read already, or null.
     */
    private static int answer(DataInputStream in, ControlProtocol.Frame first, Deadline deadline)
            throws IOException, Closed {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ControlProtocol.Frame f = first;
        while (true) {
            if (f == null) {
                f = ControlProtocol.read(in);
                deadline.cancel();
            }
            if (f == null) {
                throw new Closed();
            }
            switch (f.type()) {
                case ControlProtocol.READY -> {
                }
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
            f = null;
        }
    }

    /**
     * One command line per input line, in one session, until end of input or
     * "exit". The first prompt comes once the instance has taken the session.
     */
    private static int interactive(DataInputStream in, OutputStream out, Deadline deadline, Path socket)
            throws IOException {
        ControlProtocol.Frame first = ControlProtocol.read(in);
        deadline.cancel();
        if (first == null) {
            System.err.println("corral: the instance closed the connection");
            return 1;
        }
        if (first.type() != ControlProtocol.READY) {
            try {
                return answer(in, first, deadline); // refused: the reason and a status
            } catch (Closed e) {
                System.err.println("corral: the instance closed the connection");
                return 1;
            }
        }
        Path run = socket.toAbsolutePath().getParent();
        Prompt prompt = terminalPrompt(run, words -> complete(in, out, words));
        if (prompt == null) {
            prompt = new Prompt.Plain();
        }
        int status = 0;
        try (Prompt p = prompt) {
            while (true) {
                String line = p.readLine();
                if (line == null || line.trim().equals("exit") || line.trim().equals("quit")) {
                    return status;
                }
                if (!line.isBlank()) {
                    sendWidth(out, p.width());
                    p.commandStarted(() -> interrupt(out));
                    try {
                        status = execute(in, out, line, deadline);
                        if (status == INTERRUPTED_STATUS) {
                            System.out.println(); // after the terminal's "^C"
                        }
                    } finally {
                        p.commandEnded();
                    }
                }
            }
        }
    }

    /** jline's prompt when jline is on the class path and this is a terminal; else null. */
    private static Prompt terminalPrompt(Path run, java.util.function.Function<List<String>, List<String>> complete) {
        try {
            Class.forName("org.jline.terminal.TerminalBuilder", false, ControlClient.class.getClassLoader());
            return TerminalPrompt.openIfTerminal(run, complete);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * Tells the instance the terminal's width, for its tables; a failure is left to the command
     * that follows, whose answer carries the instance's reason (a refused session).
     */
    private static void sendWidth(OutputStream out, int columns) {
        if (columns <= 0) {
            return;
        }
        try {
            ControlProtocol.write(out, ControlProtocol.WIDTH, Integer.toString(columns));
        } catch (IOException e) {
            // See above.
        }
    }

    /** Ctrl-C while a command runs: the instance interrupts it. */
    private static void interrupt(OutputStream out) {
        try {
            ControlProtocol.write(out, ControlProtocol.INTERRUPT, "");
        } catch (IOException e) {
            // The connection is gone: the command's answer says so.
        }
    }

    /** Asks the instance what completes the last of the words; nothing when it cannot say. */
    private static List<String> complete(DataInputStream in, OutputStream out, List<String> words) {
        try {
            ControlProtocol.write(out, ControlProtocol.COMPLETE, String.join("\n", words));
            ControlProtocol.Frame f = ControlProtocol.read(in);
            if (f == null || f.type() != ControlProtocol.CANDIDATES || f.payload().length == 0) {
                return List.of();
            }
            return List.of(f.text().split("\n"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
