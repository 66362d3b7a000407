package io.corral.process.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Services bound by reference and got only when first used. The process
 * table is immediate: getting a listener or participant while SCR binds it
 * would activate that component (the port service, say) inside the table's
 * activation, and from there the users of the factory: SCR then takes the
 * components' locks in an order another thread may take the other way round.
 */
final class LazyServices<T> {

    private final BundleContext context;
    private final List<ServiceReference<T>> references = new CopyOnWriteArrayList<>();
    private final Map<ServiceReference<T>, T> got = new ConcurrentHashMap<>();

    LazyServices(BundleContext context) {
        this.context = context;
    }

    void add(ServiceReference<T> ref) {
        references.add(ref);
    }

    void remove(ServiceReference<T> ref) {
        references.remove(ref);
        if (got.remove(ref) != null) {
            try {
                context.ungetService(ref);
            } catch (IllegalStateException e) {
                // our bundle stops
            }
        }
    }

    /** The services, in the order they were bound; one that cannot be got now is left out. */
    List<T> get() {
        List<T> services = new ArrayList<>(references.size());
        for (ServiceReference<T> ref : references) {
            T s = got.get(ref);
            if (s == null) {
                try {
                    s = context.getService(ref);
                } catch (IllegalStateException e) {
                    s = null; // our bundle stops
                }
                if (s == null) {
                    continue;
                }
                if (got.putIfAbsent(ref, s) != null) {
                    context.ungetService(ref); // another thread got it meanwhile
                    s = got.get(ref);
                }
            }
            services.add(s);
        }
        return services;
    }
}
