package io.corral.shell.command;

import io.corral.api.credential.CredentialService;
import io.corral.api.isolation.IsolationProvider;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ProcessFactory;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** {@code corral:version}: Corral's bundles and which bundle serves each Corral service. */
@Component(service = VersionCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=version"
})
public final class VersionCommand {

    /** The services an operator asks about, in the order they are listed. */
    static final List<Class<?>> SERVICES = List.of(ProcessFactory.class, IsolationProvider.class,
        CredentialService.class, PortRegistry.class);

    private final BundleContext context;

    @Activate
    public VersionCommand(BundleContext context) {
        this.context = context;
    }

    @Descriptor("show Corral's bundles with their versions and states, and which bundle serves each Corral service")
    public void version(
            @Descriptor("print JSON for scripts") @Parameter(names = "--json", presentValue = "true", absentValue = "false")
            boolean json) {
        Table bundles = new Table("Bundle", "Version", "State");
        Arrays.stream(context.getBundles())
            .filter(b -> b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.corral."))
            .sorted(Comparator.comparing(Bundle::getSymbolicName))
            .forEach(b -> bundles.row(b.getSymbolicName(), b.getVersion().toString(), state(b)));
        Table services = new Table("Service", "Provider", "Version", "Ranking", "Active");
        for (Class<?> type : SERVICES) {
            listServices(type, services, json);
        }
        if (json) {
            System.out.println("{\"bundles\": " + bundles.toJson() + ",\n\"services\": " + services.toJson() + "}");
        } else {
            System.out.println(bundles.toText(TerminalWidth.current()));
            System.out.println();
            System.out.println(services.toText(TerminalWidth.current()));
        }
    }

    private void listServices(Class<?> type, Table table, boolean json) {
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(type.getName(), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (refs == null) {
            table.row(type.getSimpleName(), json ? null : "(none)", null, null, json ? (Object) false : null);
            return;
        }
        // The highest-ranked reference is the one a greedy consumer binds.
        Arrays.sort(refs, Comparator.reverseOrder());
        for (int i = 0; i < refs.length; i++) {
            ServiceReference<?> ref = refs[i];
            Object platform = ref.getProperty(IsolationProvider.PLATFORM_PROPERTY);
            String provider = ref.getBundle().getSymbolicName() + (platform != null ? " (" + platform + ")" : "");
            Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
            table.row(type.getSimpleName(), provider, ref.getBundle().getVersion().toString(),
                ranking == null ? 0 : ranking, json ? (Object) (i == 0) : i == 0 ? "yes" : "no");
        }
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }
}
