package io.corral.shell.internal;

import io.corral.api.process.ProcessFactory;
import io.corral.shell.command.Origin;
import io.corral.shell.command.Services;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.Optional;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Runs the commands of {@code bin/corral -c 'CMD; CMD'} once the framework has
 * started, then exits the JVM: 0 when every command succeeded, 1 with a
 * one-line error otherwise. The framework is stopped by Felix's shutdown hook,
 * so bundles deactivate (and their children are stopped) as in a normal stop.
 */
@Component(immediate = true)
public final class BatchRunner implements FrameworkListener {

    /** Framework property holding the commands; the component does nothing without it. */
    static final String COMMANDS_PROPERTY = "corral.commands";

    private final CommandProcessor processor;
    private final BundleContext context;
    private final String commands;
    private volatile boolean ran;

    @Activate
    public BatchRunner(@Reference CommandProcessor processor, BundleContext context) {
        this.processor = processor;
        this.context = context;
        this.commands = context.getProperty(COMMANDS_PROPERTY);
        if (commands == null) {
            return;
        }
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            runOnce();
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            runOnce();
        }
    }

    private synchronized void runOnce() {
        if (ran) {
            return;
        }
        ran = true;
        // Off the framework's event thread, so that commands may wait for framework events themselves.
        Thread t = new Thread(this::run, "corral-batch");
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        // The process factory is registered on a thread of its own after the
        // framework has started, and the commands that need it (corral:bench,
        // a bundle's own) once SCR has seen it: wait for both.
        Services.arrival(() -> context.getServiceReference(ProcessFactory.class), "io.corral.process");
        ComponentsSettled.await(context, Services.ARRIVAL_MILLIS);
        // The process's real streams: System.out is Gogo's per-thread stream,
        // which would hand the session's output back to itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        int status = execute(processor, commands, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /** The status of a command ended by Ctrl-C, as shells give it (128 + SIGINT). */
    static final int INTERRUPTED_STATUS = 130;

    private static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                Thread.interrupted();
                return true;
            }
        }
        return false;
    }

    /** Executes a command line in a fresh session; prints results and a one-line error. */
    static int execute(CommandProcessor processor, String line, PrintStream out, PrintStream err) {
        try (CommandSession session = processor.createSession(System.in, out, err)) {
            // The commands are one line: exit ends it where it stands, with the status so far.
            session.put(ExitCommand.ENDS_ON_EXIT, Boolean.TRUE);
            session.put(Origin.VARIABLE, Origin.COMMAND_LINE);
            return execute(session, line, out, err);
        }
    }

    /**
     * Executes a command line in a session: 0 when every command succeeded,
     * else 1 after a one-line error (no stack trace), or 2 after the usage of a
     * command whose arguments Gogo could not match; {@code --help} prints the usage. The one place both
     * {@code bin/corral -c} and the control socket run commands.
     */
    static int execute(CommandSession session, String line, PrintStream out, PrintStream err) {
        try {
            Optional<String> help = UsageErrors.help(line);
            if (help.isPresent()) {
                out.println(help.get());
                return 0;
            }
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
            return 0;
        } catch (Exception e) {
            if (interrupted(e)) {
                // Ctrl-C: the operator ended the command and knows it; no error to read.
                return INTERRUPTED_STATUS;
            }
            Optional<String> usage = UsageErrors.usage(e);
            if (usage.isPresent()) {
                err.println(usage.get());
                return UsageErrors.USAGE_STATUS;
            }
            err.println("Error: " + ErrorText.of(e));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
