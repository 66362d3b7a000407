package io.corral.shell.internal;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Turns a bundle id or symbolic name into a {@link Bundle} for Gogo, so that
 * {@code stop 8}, {@code start io.corral.port} or {@code headers 8} work in
 * {@code bin/corral -c} and over the control socket. The console's own
 * converter (gogo.jline) does this only in the foreground, where it runs.
 */
@Component
public final class BundleConverter implements Converter {

    private final BundleContext context;

    @Activate
    public BundleConverter(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        if (desiredType != Bundle.class || in == null) {
            return null;
        }
        return find(context, in.toString());
    }

    /** The bundle with this id or symbolic name, or null. */
    public static Bundle find(BundleContext context, String idOrName) {
        String text = idOrName.trim();
        if (text.matches("\\d{1,18}")) {
            return context.getBundle(Long.parseLong(text));
        }
        for (Bundle b : context.getBundles()) {
            if (text.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        return null;
    }
}
