package io.corral.shell.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Lets the foreground console get a real terminal. jline finds its terminal
 * providers through the thread's context class loader, or through its own
 * bundle's when there is none; the framework starts bundles on a thread
 * whose context loader is the application's, which cannot see jline's
 * bundle. jline then falls back to a "dumb" terminal in the tty's cooked
 * mode: no line editing, and Ctrl-C at the prompt is the kernel's SIGINT to
 * the JVM, which ends the instance and every application. With a real
 * terminal Ctrl-C is a key that Gogo turns into interrupting the running
 * command.
 *
 * <p>This bundle starts before the console's (bundle/ is installed before
 * console/, and a start level starts bundles in the order they were
 * installed), on the thread that then starts the console: from here on that
 * thread has no context class loader. Only in the foreground, where
 * bin/corral lists the console's bundles.
 */
public final class ConsoleLoader implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String console = context.getProperty("corral.console.bundles");
        if (console != null && !console.isBlank()) {
            Thread.currentThread().setContextClassLoader(null);
        }
    }

    @Override
    public void stop(BundleContext context) {
    }
}
