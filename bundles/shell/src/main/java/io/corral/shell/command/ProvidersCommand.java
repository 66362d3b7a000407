package io.corral.shell.command;

import io.corral.api.isolation.IsolationProvider;
import io.corral.api.isolation.Namespace;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** {@code corral:providers}: every isolation provider, and which one new processes use. */
@Component(service = ProvidersCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=providers"
})
public final class ProvidersCommand {

    private final BundleContext context;

    @Activate
    public ProvidersCommand(BundleContext context) {
        this.context = context;
    }

    @Descriptor("list the isolation providers with platform, ranking and namespaces; the highest-ranked is active")
    public void providers(@Descriptor("print JSON for scripts")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("list instead which resource features (cgroup tracking, limits, rlimits) each provider"
                + " has on this host, and how or why not")
            @Parameter(names = "--resources", presentValue = "true", absentValue = "false") boolean resources)
            throws InvalidSyntaxException {
        ServiceReference<IsolationProvider>[] refs = context.getServiceReferences(IsolationProvider.class, null)
            .toArray(ServiceReference[]::new);
        Arrays.sort(refs, Comparator.reverseOrder());
        Table t = resources ? json ? new Table("Platform", "Feature", "Available", "Detail")
            : new Table("Platform", "Feature", "Available")
            : new Table("Platform", "Ranking", "Namespaces", "Bundle", "Active");
        for (int i = 0; i < refs.length; i++) {
            IsolationProvider p = context.getService(refs[i]);
            if (p == null) {
                continue;
            }
            try {
                if (resources) {
                    for (Map.Entry<String, String> f : p.resourceFeatures().entrySet()) {
                        if (json) {
                            // "yes, how" or "no: why", as the providers say it: a boolean and the words.
                            String v = f.getValue();
                            boolean yes = v.startsWith("yes");
                            String detail = v.replaceFirst("^(yes|no)[,:]?\\s*", "");
                            t.row(p.platform(), f.getKey(), yes, detail.isEmpty() ? null : detail);
                        } else {
                            t.row(p.platform(), f.getKey(), f.getValue());
                        }
                    }
                    continue;
                }
                Object ranking = refs[i].getProperty(Constants.SERVICE_RANKING);
                List<String> keys = p.supportedNamespaces().stream().sorted().map(Namespace::key).toList();
                Object ns = json ? keys : keys.isEmpty() ? "none" : String.join(",", keys);
                t.row(p.platform(), ranking == null ? 0 : ranking, ns, refs[i].getBundle().getSymbolicName(),
                    json ? (Object) (i == 0) : i == 0 ? "yes" : "no");
            } finally {
                context.ungetService(refs[i]);
            }
        }
        t.print(System.out, json);
    }
}
