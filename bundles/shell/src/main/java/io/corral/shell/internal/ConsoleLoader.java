package io.corral.shell.internal;

import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;

/**
 * Starts the foreground console ({@link ForegroundConsole}) once the
 * framework has started, only where {@code bin/corral} runs the instance in
 * the foreground and lists the console's bundles (jline) in
 * {@value #CONSOLE_PROPERTY}. This bundle imports jline dynamically: a daemon
 * has no jline and never loads the console's classes.
 */
public final class ConsoleLoader implements BundleActivator, FrameworkListener {

    static final String CONSOLE_PROPERTY = "corral.console.bundles";

    private BundleContext context;
    private ForegroundConsole console;

    @Override
    public void start(BundleContext context) {
        String bundles = context.getProperty(CONSOLE_PROPERTY);
        if (bundles == null || bundles.isBlank() || context.getProperty("corral.base") == null) {
            return;
        }
        this.context = context;
        context.addFrameworkListener(this);
        if (context.getBundle(0).getState() == org.osgi.framework.Bundle.ACTIVE) {
            open();
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            open();
        }
    }

    private synchronized void open() {
        if (console != null) {
            return;
        }
        ServiceReference<CommandProcessor> ref = context.getServiceReference(CommandProcessor.class);
        CommandProcessor processor = ref == null ? null : context.getService(ref);
        if (processor == null) {
            io.corral.log.Log.of(ConsoleLoader.class).error("no Gogo runtime: the foreground console has no commands");
            return;
        }
        console = new ForegroundConsole(context, processor, Path.of(context.getProperty("corral.base"), "run"));
        Thread t = new Thread(console, "corral-console");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public synchronized void stop(BundleContext context) {
        if (this.context != null) {
            context.removeFrameworkListener(this);
        }
        if (console != null) {
            console.close();
            console = null;
        }
    }
}
