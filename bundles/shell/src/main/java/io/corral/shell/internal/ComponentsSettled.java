package io.corral.shell.internal;

import java.util.Collection;
import java.util.function.BiPredicate;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Waits until Declarative Services has done what it is about to do. Felix SCR
 * enables components and registers their services on a thread of its own, so
 * that a bundle's commands (corral:bench, a bundle author's) may come a moment
 * after the framework says it has started, and after the services they need.
 * A component is on its way while it is enabled with no configuration yet, or
 * waits for a reference whose service is registered.
 */
final class ComponentsSettled {

    private ComponentsSettled() {
    }

    /** Waits up to {@code millis} for every component on its way; an interrupt ends the wait. */
    static void await(BundleContext context, long millis) {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = ref == null ? null : context.getService(ref);
        if (scr == null) {
            return;
        }
        try {
            long deadline = System.nanoTime() + millis * 1_000_000;
            while (anyOnItsWay(scr, (type, target) -> registered(context, type, target))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            context.ungetService(ref);
        }
    }

    /** {@code registered}: whether a service of the type (and the target filter, or null) is registered. */
    static boolean anyOnItsWay(ServiceComponentRuntime scr, BiPredicate<String, String> registered) {
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!d.defaultEnabled && !scr.isComponentEnabled(d)) {
                continue;
            }
            Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(d);
            if (configurations.isEmpty() && !"require".equals(d.configurationPolicy)) {
                return true;
            }
            for (ComponentConfigurationDTO c : configurations) {
                if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE && servicesAwait(d, c, registered)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether every reference the configuration lacks has a service registered for it. */
    private static boolean servicesAwait(ComponentDescriptionDTO d, ComponentConfigurationDTO c,
            BiPredicate<String, String> registered) {
        for (UnsatisfiedReferenceDTO missing : c.unsatisfiedReferences) {
            String type = null;
            for (ReferenceDTO r : d.references) {
                if (r.name.equals(missing.name)) {
                    type = r.interfaceName;
                }
            }
            if (type == null || !registered.test(type, missing.target)) {
                return false;
            }
        }
        return true;
    }

    private static boolean registered(BundleContext context, String type, String target) {
        try {
            return context.getServiceReferences(type, target) != null;
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }
}
