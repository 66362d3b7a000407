package io.corral.app.internal.pool;

import io.corral.api.port.PortInfo;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ManagedProcess;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Unit's QUIT: a port message for a process that speaks the port protocol
 * (it said PROCESS_READY on its port), so that it can finish its work;
 * SIGTERM for everything else, which would not read the message.
 */
public final class PortQuit implements QuitSender {

    private final Supplier<PortRegistry> registry;
    private final QuitSender fallback = new SignalQuit();

    public PortQuit(Supplier<PortRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public boolean quit(ManagedProcess process) {
        PortRegistry r = registry.get();
        if (r != null && r.ports(process.pid()).map(PortInfo::ready).orElse(false)) {
            try {
                r.quit(process.pid());
                return true;
            } catch (IOException e) {
                // Its port is gone or full: a signal still reaches it.
            }
        }
        return fallback.quit(process);
    }
}
