package io.corral.shell.internal;

import io.corral.shell.command.Origin;
import io.corral.shell.command.TerminalWidth;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * The prompt of {@code bin/corral} in the foreground: jline's line editing,
 * history kept in the instance's {@code run/console.history}, Tab completion
 * ({@link Completions}), and commands run as a control session runs them
 * (one line of error, usage on a wrong call). Ctrl-C at the prompt clears the
 * line; while a command runs it interrupts that command only: the terminal
 * is not in raw mode then, so the key is the kernel's SIGINT to the JVM,
 * which jline turns into a call here instead of the JVM's exit. End of input
 * (Ctrl-D) ends the console and stops the framework.
 */
final class ForegroundConsole implements Runnable {

    static final String PROMPT = "corral> ";
    static final String HISTORY = "console.history";

    private final BundleContext context;
    private final CommandProcessor processor;
    private final Path runDirectory;
    private volatile Terminal terminal;
    private volatile boolean closing;

    ForegroundConsole(BundleContext context, CommandProcessor processor, Path runDirectory) {
        this.context = context;
        this.processor = processor;
        this.runDirectory = runDirectory;
    }

    @Override
    public void run() {
        Thread thread = Thread.currentThread();
        // jline finds its terminal providers through the context class loader: its own bundle's here.
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(Terminal.class.getClassLoader());
        try {
            terminal = TerminalBuilder.builder().name("corral").system(true).nativeSignals(true)
                .signalHandler(Terminal.SignalHandler.SIG_IGN).build();
        } catch (IOException e) {
            io.corral.log.Log.of(ForegroundConsole.class).error("the console has no terminal: " + e.getMessage());
            return;
        } finally {
            thread.setContextClassLoader(before);
        }
        try (Terminal t = terminal) {
            loop(t);
        } catch (IOException e) {
            // Closing the terminal as the console ends.
        }
        if (!closing) {
            stopFramework();
        }
    }

    private void loop(Terminal t) {
        PrintStream out = new PrintStream(t.output(), true, t.encoding());
        LineReader reader = LineReaderBuilder.builder().terminal(t).appName("corral")
            .completer(new JlineCompleter(new Completions(context)))
            .variable(LineReader.HISTORY_FILE, runDirectory.resolve(HISTORY))
            .variable(LineReader.HISTORY_FILE_SIZE, 1000)
            .build();
        try (CommandSession session = processor.createSession(t.input(), out, out)) {
            session.put("SCOPE", "corral:*");
            session.put(Origin.VARIABLE, Origin.CONSOLE);
            Thread console = Thread.currentThread();
            t.handle(Terminal.Signal.INT, s -> interrupt(session, console));
            while (!closing) {
                String line;
                try {
                    line = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt: a fresh line
                } catch (EndOfFileException e) {
                    return;
                }
                if (line.isBlank()) {
                    continue;
                }
                session.put(TerminalWidth.VARIABLE, t.getWidth() > 0 ? t.getWidth() : null);
                if (BatchRunner.execute(session, line, out, out) == BatchRunner.INTERRUPTED_STATUS) {
                    out.println(); // after the terminal's "^C"
                }
                Thread.interrupted(); // an interrupt that came as the command ended is for no one
            }
        } catch (RuntimeException | java.io.IOError e) {
            if (!closing) {
                io.corral.log.Log.of(ForegroundConsole.class).error("the console ended: " + e);
            }
        }
    }

    /** Ctrl-C while a command runs: that command's job, or the console's own thread when it runs none. */
    private static void interrupt(CommandSession session, Thread console) {
        Job job = session.foregroundJob();
        if (job != null) {
            job.interrupt();
        } else {
            console.interrupt();
        }
    }

    /** Ends the console as the framework stops: its terminal is closed, and the prompt with it. */
    void close() {
        closing = true;
        Terminal t = terminal;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                // Closed anyway.
            }
        }
    }

    private void stopFramework() {
        Thread stop = new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                io.corral.log.Log.of(ForegroundConsole.class).error("stopping the framework: " + e.getMessage());
            }
        }, "corral-console-exit");
        stop.start();
    }
}
