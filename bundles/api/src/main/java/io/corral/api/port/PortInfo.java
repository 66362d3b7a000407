package io.corral.api.port;

import io.corral.api.process.ProcessType;
import java.util.List;

/**
 * What the registry knows of one process's ports.
 *
 * @param owner     the process's own port
 * @param type      the process's type
 * @param ready     whether it has said PROCESS_READY
 * @param connected the peers' ports this process holds
 */
public record PortInfo(PortId owner, ProcessType type, boolean ready, List<PortId> connected) {

    public PortInfo {
        connected = List.copyOf(connected);
    }
}
