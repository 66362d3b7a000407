package io.corral.shell.internal;

import java.util.List;
import java.util.Optional;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The {@code corral:} commands as Gogo sees them: the services registered with
 * {@code osgi.command.scope=corral}, whichever bundle registers them.
 */
final class CorralCommands {

    static final String SCOPE = "corral";

    private CorralCommands() {
    }

    /** The usage of a command, named with or without its scope; empty when it is no {@code corral:} command. */
    static Optional<CommandUsage> usage(String name) {
        String function = name.startsWith(SCOPE + ":") ? name.substring(SCOPE.length() + 1) : name;
        if (!function.matches("[\\w-]+")) {
            return Optional.empty();
        }
        BundleContext context = context();
        for (ServiceReference<?> r : references("(&(osgi.command.scope=" + SCOPE + ")(osgi.command.function="
                + function + "))")) {
            Object service = context.getService(r);
            if (service != null) {
                try {
                    return Optional.of(CommandUsage.of(SCOPE, function, service.getClass()));
                } finally {
                    context.ungetService(r);
                }
            }
        }
        return Optional.empty();
    }

    private static List<ServiceReference<?>> references(String filter) {
        BundleContext context = context();
        if (context == null) {
            return List.of();
        }
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            return refs == null ? List.of() : List.of(refs);
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return List.of();
        }
    }

    private static BundleContext context() {
        Bundle b = FrameworkUtil.getBundle(CorralCommands.class);
        return b == null ? null : b.getBundleContext();
    }
}
