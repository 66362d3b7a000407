package io.corral.isolation.linux;

import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationProvider;
import io.corral.spawner.SpawnServerProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * "linux-clone": children are created with clone(2) and the namespaces they
 * ask for. Ranked above the fork provider, so it is used wherever it runs.
 */
@Component(service = IsolationProvider.class, immediate = true, property = {
    "service.ranking:Integer=100",
    IsolationProvider.PLATFORM_PROPERTY + "=linux-clone"
})
public final class LinuxCloneProvider extends SpawnServerProvider {

    @Activate
    public LinuxCloneProvider(BundleContext context) throws IsolationException {
        super(context, "linux-clone", "clone");
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
