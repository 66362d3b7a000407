package io.corral.isolation.fork;

import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationProvider;
import io.corral.spawner.SpawnServerProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * "fork": children are created with plain fork(2), without namespaces. The
 * fallback wherever linux-clone is absent (BSD, macOS) or stopped.
 */
@Component(service = IsolationProvider.class, immediate = true, property = {
    "service.ranking:Integer=10",
    IsolationProvider.PLATFORM_PROPERTY + "=fork"
})
public final class ForkProvider extends SpawnServerProvider {

    @Activate
    public ForkProvider(BundleContext context) throws IsolationException {
        super(context, "fork", "fork");
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
