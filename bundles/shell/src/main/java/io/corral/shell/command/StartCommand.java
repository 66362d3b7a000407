package io.corral.shell.command;

import io.corral.shell.internal.BundleConverter;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code felix:start}, in place of Gogo Command's (1.1.2), which takes
 * anything that is not a number for a location to install: {@code start
 * io.corral.isolation.linux} failed to install a bundle of that location and
 * said so only in a return value, which a script never prints. This one
 * takes a bundle id or symbolic name, as felix:lb lists them, or a location
 * with a scheme (file:, mvn:, ...) to install and start; a mistake is an error.
 */
@Component(service = StartCommand.class, property = {
    "osgi.command.scope=felix",
    "osgi.command.function=start",
    Constants.SERVICE_RANKING + ":Integer=1"
})
public final class StartCommand {

    private final BundleContext context;

    @Activate
    public StartCommand(BundleContext context) {
        this.context = context;
    }

    @Descriptor("start bundles, by id or symbolic name; a location with a scheme is installed first")
    public void start(
            @Descriptor("start transiently (not remembered across a restart)")
            @Parameter(names = {"-t", "--transient"}, presentValue = "true", absentValue = "false") boolean once,
            @Descriptor("bundle ids, symbolic names or locations (file:..., mvn:...)") String... bundles)
            throws BundleException {
        if (bundles.length == 0) {
            throw new IllegalArgumentException("felix:start: give bundle ids or symbolic names, as felix:lb lists"
                + " them, or locations to install");
        }
        List<Bundle> targets = new ArrayList<>();
        for (String given : bundles) {
            Bundle b = BundleConverter.find(context, given);
            if (b == null && given.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.+")) {
                b = context.installBundle(given);
            }
            if (b == null) {
                throw new IllegalArgumentException("felix:start: no bundle \"" + given + "\": give a bundle id or"
                    + " symbolic name, as felix:lb lists them, or a location with a scheme (file:, mvn:)");
            }
            targets.add(b);
        }
        for (Bundle b : targets) {
            b.start(once ? Bundle.START_TRANSIENT : 0);
        }
    }
}
