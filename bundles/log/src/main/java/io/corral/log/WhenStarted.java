package io.corral.log;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;

/**
 * Runs an action once the framework has started: at once if it has, else
 * at its STARTED event, so that what a listening socket's first client
 * asks for finds every bundle started. The action may run twice (the event
 * and the check can meet); it must do nothing the second time.
 */
public final class WhenStarted implements FrameworkListener, AutoCloseable {

    private final BundleContext context;
    private final Runnable action;

    private WhenStarted(BundleContext context, Runnable action) {
        this.context = context;
        this.action = action;
    }

    /** Runs {@code action} when the framework has started; {@link #close} stops listening. */
    public static WhenStarted run(BundleContext context, Runnable action) {
        WhenStarted w = new WhenStarted(context, action);
        context.addFrameworkListener(w);
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            action.run();
        }
        return w;
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            action.run();
        }
    }

    @Override
    public void close() {
        context.removeFrameworkListener(this);
    }
}
