package io.corral.shell.command;

import io.corral.shell.internal.BundleConverter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code felix:refresh}, in place of Gogo Command's (1.1.2), which without an
 * argument ends in a NullPointerException: it hands a null array to
 * {@code Arrays.asList}. The higher service ranking makes Gogo pick this one.
 * It also waits until the refresh is done, so that the next command of a
 * script finds the refreshed bundles, and says what it refreshed. It refuses
 * a refresh that would reach the system bundle (a framework extension such as
 * io.corral.jnr, or the framework itself): Felix restarts the framework for
 * that, stopping every bundle.
 */
@Component(service = RefreshCommand.class, property = {
    "osgi.command.scope=felix",
    "osgi.command.function=refresh",
    Constants.SERVICE_RANKING + ":Integer=1"
})
public final class RefreshCommand {

    static final long TIMEOUT_SECONDS = 60;

    private final BundleContext context;

    @Activate
    public RefreshCommand(BundleContext context) {
        this.context = context;
    }

    @Descriptor("refresh bundles and every bundle that depends on them; without an argument, the bundles that"
        + " were updated or uninstalled since they were resolved")
    public void refresh(@Descriptor("bundle ids or symbolic names, as felix:lb lists them") Object... bundles)
            throws InterruptedException {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        Collection<Bundle> targets = bundles.length == 0 ? wiring.getRemovalPendingBundles() : find(bundles);
        if (targets.isEmpty()) {
            System.out.println("nothing to refresh: no bundle was updated or uninstalled since it was resolved");
            return;
        }
        Collection<Bundle> closure = wiring.getDependencyClosure(targets);
        if (closure.stream().anyMatch(b -> b.getBundleId() == 0)) {
            List<Bundle> framework = targets.stream().filter(b -> b.getBundleId() == 0 || isExtension(b)).toList();
            throw new IllegalArgumentException("felix:refresh: " + (framework.isEmpty() ? targets : framework).stream()
                .map(b -> b.getBundleId() + " " + b.getSymbolicName()).collect(Collectors.joining(", "))
                + ": a refresh of the framework or of an extension of it (jnr is one) restarts the framework,"
                + " stopping every bundle; restart Corral instead");
        }
        String names = closure.stream()
            .sorted((a, b) -> Long.compare(a.getBundleId(), b.getBundleId()))
            .map(b -> b.getBundleId() + " " + b.getSymbolicName())
            .collect(Collectors.joining(", "));
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        wiring.refreshBundles(targets, event -> {
            if (event.getType() == FrameworkEvent.ERROR) {
                error.compareAndSet(null, event.getThrowable());
            }
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("felix:refresh: the refresh of " + names + " did not finish within "
                + TIMEOUT_SECONDS + " s; it goes on in the background");
        }
        System.out.println("refreshed " + names);
        if (error.get() != null) {
            Throwable t = error.get();
            throw new IllegalStateException("felix:refresh: after the refresh: "
                + (t.getMessage() != null ? t.getMessage().lines().findFirst().orElse("") : t.getClass().getSimpleName()));
        }
    }

    private static boolean isExtension(Bundle b) {
        String host = b.getHeaders("").get(Constants.FRAGMENT_HOST);
        return host != null && host.contains(Constants.EXTENSION_DIRECTIVE);
    }

    private List<Bundle> find(Object[] given) {
        List<Bundle> found = new ArrayList<>();
        for (Object o : given) {
            Bundle b = o instanceof Bundle bundle ? bundle : BundleConverter.find(context, String.valueOf(o));
            if (b == null) {
                throw new IllegalArgumentException("felix:refresh: no bundle \"" + o
                    + "\": give a bundle id or symbolic name, as felix:lb lists them");
            }
            found.add(b);
        }
        return found;
    }
}
