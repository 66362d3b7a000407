package io.corral.log;

import io.corral.log.internal.StandardError;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * A class's messages: through the OSGi Log Service (the R7 {@link Logger} of
 * the class's bundle, named after the class) when one is registered, on
 * standard error in the same format, repeats held back, when none is:
 * before the Log Service starts, after it stops, outside a framework.
 *
 * <p>Looked up from the bundle's own context and kept while the service stays
 * registered, rather than injected by DS: a mandatory reference would restart
 * the process factory, and so stop every process, whenever the log bundle is
 * updated; an optional one is bound only after the constructor has run; and
 * the spawner's classes are a library, not components.
 */
public final class Log {

    private final Class<?> owner;
    /** Null outside a framework. */
    private final Bundle bundle;
    private volatile Bound bound;

    /** The Logger in use and what it came from; valid while both are. */
    private record Bound(BundleContext context, ServiceReference<LoggerFactory> reference, Logger logger) {
    }

    private Log(Class<?> owner) {
        this.owner = owner;
        this.bundle = FrameworkUtil.getBundle(owner);
    }

    /** One per class, so that {@code Log.of(C.class).warn(…)} in place costs no more than a field. */
    private static final ClassValue<Log> LOGS = new ClassValue<>() {
        @Override
        protected Log computeValue(Class<?> type) {
            return new Log(type);
        }
    };

    /** The messages of {@code owner}, attributed to its bundle. */
    public static Log of(Class<?> owner) {
        return LOGS.get(owner);
    }

    public void error(String message) {
        log(LogLevel.ERROR, message, null);
    }

    /** An error with the stack trace of {@code failure}: for what should never happen. */
    public void error(String message, Throwable failure) {
        log(LogLevel.ERROR, message, failure);
    }

    public void warn(String message) {
        log(LogLevel.WARN, message, null);
    }

    public void info(String message) {
        log(LogLevel.INFO, message, null);
    }

    private void log(LogLevel level, String message, Throwable failure) {
        Logger logger = logger();
        if (logger == null) {
            StandardError.print(level, bundle != null ? bundle.getSymbolicName() : owner.getPackageName(), message,
                failure);
            return;
        }
        // The one-argument forms take the text as it is: braces in it are not placeholders.
        switch (level) {
            case ERROR -> {
                if (failure != null) {
                    logger.error(message, failure);
                } else {
                    logger.error(message);
                }
            }
            case WARN -> logger.warn(message);
            default -> logger.info(message);
        }
    }

    private Logger logger() {
        Bound b = bound;
        if (b != null && b.reference.getBundle() != null && b.context == context()) {
            return b.logger;
        }
        return rebind();
    }

    private synchronized Logger rebind() {
        bound = null;
        BundleContext context = context();
        if (context == null) {
            return null;
        }
        try {
            ServiceReference<LoggerFactory> reference = context.getServiceReference(LoggerFactory.class);
            LoggerFactory factory = reference != null ? context.getService(reference) : null;
            if (factory == null) {
                return null;
            }
            Logger logger = factory.getLogger(owner);
            bound = new Bound(context, reference, logger);
            return logger;
        } catch (IllegalStateException e) {
            return null; // the bundle is stopping: its context is no longer valid
        }
    }

    /** The owner's bundle's context while it is starting, active or stopping; null otherwise or outside OSGi. */
    private BundleContext context() {
        return bundle != null ? bundle.getBundleContext() : null;
    }
}
