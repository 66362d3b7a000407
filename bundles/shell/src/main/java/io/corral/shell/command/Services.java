package io.corral.shell.command;

import java.util.function.Supplier;

/** The commands' optional services: present, or a one-line error that says which bundle to start. */
public final class Services {

    /**
     * How long a command waits for a service that is on its way: the process
     * factory is registered on a thread of the process table's own once a
     * provider and the credential service are bound, and the application
     * manager once the factory is, shortly after the framework says it has
     * started (`bin/corral -c` runs then).
     */
    public static final long ARRIVAL_MILLIS = 5_000;

    private Services() {
    }

    static <T> T require(T service, String missing) {
        if (service == null) {
            throw new IllegalStateException(missing);
        }
        return service;
    }

    /**
     * The service as {@link #require} gives it, after waiting up to
     * {@link #ARRIVAL_MILLIS} for it while the bundle {@code from} that
     * registers it is active, hence the service on its way. An interrupt
     * (Ctrl-C) ends the wait.
     */
    static <T> T await(Supplier<T> service, String from, String missing) {
        return require(arrival(service, from), missing);
    }

    /**
     * The service, after waiting up to {@link #ARRIVAL_MILLIS} for it while
     * the bundle {@code from} is active; null if it did not come. An interrupt
     * (Ctrl-C) ends the wait.
     */
    public static <T> T arrival(Supplier<T> service, String from) {
        long deadline = System.nanoTime() + ARRIVAL_MILLIS * 1_000_000;
        T s = service.get();
        while (s == null && active(from) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            s = service.get();
        }
        return s;
    }

    /** Whether the bundle named {@code symbolicName} is active. */
    private static boolean active(String symbolicName) {
        org.osgi.framework.Bundle shell = org.osgi.framework.FrameworkUtil.getBundle(Services.class);
        org.osgi.framework.BundleContext context = shell == null ? null : shell.getBundleContext();
        if (context == null) {
            return false;
        }
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b.getState() == org.osgi.framework.Bundle.ACTIVE;
            }
        }
        return false;
    }
}
