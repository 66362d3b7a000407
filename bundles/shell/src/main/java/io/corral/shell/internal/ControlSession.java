package io.corral.shell.internal;

import io.corral.shell.client.ChannelStreams;
import io.corral.shell.client.ControlProtocol;
import io.corral.shell.command.Origin;
import io.corral.shell.command.TerminalWidth;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;

/** One connection to the control socket: one Gogo session, command lines in, output and a status out. */
final class ControlSession implements Runnable {

    /** How long a line may go on once the instance has closed its session's socket. */
    private static final long LINE_END_MILLIS = 30_000;
    private static final AtomicInteger COMMANDS = new AtomicInteger();

    private final CommandProcessor processor;
    private final SocketChannel channel;
    private final UserPrincipal owner;
    private final Completions completions;
    /** Whether a command runs: from its frame until just before its status is sent. */
    private final AtomicBoolean busy = new AtomicBoolean();

    ControlSession(CommandProcessor processor, SocketChannel channel, UserPrincipal owner, Completions completions) {
        this.processor = processor;
        this.channel = channel;
        this.owner = owner;
        this.completions = completions;
    }

    @Override
    public void run() {
        try (channel) {
            DataInputStream in = new DataInputStream(ChannelStreams.in(channel));
            OutputStream raw = ChannelStreams.out(channel);
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
                session.put(Origin.VARIABLE, Origin.CONTROL_SOCKET);
                serve(in, raw, session, out, err);
            }
        } catch (IOException e) {
            // The client went away or spoke nonsense: its session ends.
        }
    }

    /**
     * Reads frames while commands run on a thread of their own, one at a time, so that an
     * interrupt can reach the command that runs; the session ends when the client closes
     * the connection (a command still running is interrupted) or a line ran {@code exit}.
     */
    private void serve(DataInputStream in, OutputStream raw, CommandSession session, PrintStream out,
            PrintStream err) throws IOException {
        Thread running = null;
        // The client's leaving ends its command; the instance's closing the socket (the bundle stops) does not:
        // a line such as "felix:stop N; felix:start N" goes on.
        boolean clientLeft = false;
        try {
            for (ControlProtocol.Frame f = ControlProtocol.read(in); f != null; f = ControlProtocol.read(in)) {
                switch (f.type()) {
                    case ControlProtocol.COMMAND -> {
                        if (!busy.compareAndSet(false, true)) {
                            throw new IOException("a command while another runs");
                        }
                        String line = f.text();
                        running = new Thread(() -> run(session, line, raw, out, err),
                            "corral-command-" + COMMANDS.incrementAndGet());
                        running.setDaemon(true);
                        running.start();
                    }
                    case ControlProtocol.INTERRUPT -> {
                        if (busy.get() && running != null && running.isAlive()) {
                            interrupt(session, running);
                        }
                    }
                    case ControlProtocol.WIDTH -> session.put(TerminalWidth.VARIABLE, TerminalWidth.parse(f.text()));
                    case ControlProtocol.COMPLETE -> ControlProtocol.write(raw, ControlProtocol.CANDIDATES,
                        String.join("\n", completions.complete(List.of(f.text().split("\n", -1)))));
                    default -> throw new IOException("unexpected frame type '" + (char) f.type() + "'");
                }
            }
            clientLeft = true;
        } catch (AsynchronousCloseException e) {
            throw e;
        } catch (IOException e) {
            clientLeft = true;
            throw e;
        } finally {
            if (busy.get() && running != null && running.isAlive()) {
                try {
                    if (!clientLeft) {
                        // The line runs to its end before its session is closed, for a while at most.
                        running.join(LINE_END_MILLIS);
                    }
                    if (running.isAlive()) {
                        // The client left (or ended the session) while a command ran: nobody reads its output.
                        interrupt(session, running);
                        running.join(5000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void run(CommandSession session, String line, OutputStream raw, PrintStream out, PrintStream err) {
        int status = BatchRunner.execute(session, line, out, err);
        // An interrupted command returns before Gogo has let go of its job; the next line would find
        // "A job is already in foreground". Free before the status goes out: the client may send its
        // next command as soon as it has it.
        awaitNoForegroundJob(session);
        busy.set(false);
        try {
            ControlProtocol.write(raw, ControlProtocol.EXIT, Integer.toString(status));
            if (ExitCommand.exited(session)) {
                channel.close(); // the reading loop ends with it
            }
        } catch (IOException e) {
            // The client went away: the reading loop sees it too.
        }
    }

    private static void awaitNoForegroundJob(CommandSession session) {
        long end = System.nanoTime() + 2_000_000_000L;
        while (session.foregroundJob() != null && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                // A late interrupt meant for the command it ran: its status is what counts.
                Thread.interrupted();
            }
        }
    }

    private static void interrupt(CommandSession session, Thread running) {
        Job job = session.foregroundJob();
        if (job != null) {
            job.interrupt();
        }
        running.interrupt();
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
