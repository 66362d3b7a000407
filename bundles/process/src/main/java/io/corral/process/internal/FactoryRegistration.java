package io.corral.process.internal;

import io.corral.api.process.ProcessFactory;
import java.util.Hashtable;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;

/**
 * The {@link ProcessFactory} service: bundle-scoped (a {@link ServiceFactory}
 * gives each bundle a factory of its own over the one process table), and
 * registered only while the table can spawn. Registered by hand rather than
 * as a DS component of bundle scope: its properties follow the provider in
 * use without a re-registration, and no DS component cycle can form with a
 * bundle that both spawns and listens. Changed on the process table's one
 * thread for changes, never in a DS bind method.
 */
final class FactoryRegistration implements ServiceFactory<ProcessFactory> {

    private final BundleContext context;
    private final ProcessFactoryImpl table;
    /** Guarded by this. */
    private ServiceRegistration<ProcessFactory> registration;
    /** Withdrawn for good (guarded by this). */
    private boolean closed;

    FactoryRegistration(BundleContext context, ProcessFactoryImpl table) {
        this.context = context;
        this.table = table;
    }

    /** Withdraws the service for good, now. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        update(null);
    }

    /** Registers the service with these properties, or updates them; null withdraws it. */
    void update(Hashtable<String, Object> properties) {
        ServiceRegistration<ProcessFactory> withdrawn = null;
        synchronized (this) {
            if (properties == null || closed) {
                withdrawn = registration;
                registration = null;
            } else if (registration == null) {
                registration = context.registerService(ProcessFactory.class, this, properties);
                return;
            } else {
                registration.setProperties(properties);
                return;
            }
        }
        if (withdrawn != null) {
            try {
                // Outside the lock: users are told synchronously and may call back.
                withdrawn.unregister();
            } catch (IllegalStateException e) {
                // The framework unregistered it already (our bundle stops).
            }
        }
    }

    @Override
    public ProcessFactory getService(Bundle bundle, ServiceRegistration<ProcessFactory> reg) {
        return new BundleProcessFactory(table, bundle.getBundleId());
    }

    /**
     * A bundle that stops releases its factory: its processes get the quit
     * sequence. A bundle that stays active keeps its processes (it released
     * the factory because one of its own references went, or because the
     * factory was withdrawn) and finds them again when it gets the factory back.
     */
    @Override
    public void ungetService(Bundle bundle, ServiceRegistration<ProcessFactory> reg, ProcessFactory service) {
        if ((bundle.getState() & (Bundle.STOPPING | Bundle.RESOLVED | Bundle.UNINSTALLED)) != 0) {
            table.ownerStopped(bundle.getBundleId());
        }
    }
}
