package io.corral.api.port;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The ports of every process, the connected-port table and the matrices.
 *
 * <p>Guarantees: safe under concurrent use; a process is handed exactly the
 * ports its connect row allows; on a death, exactly the processes whose
 * remove-notify row allows it are told, and the dead process's ports are
 * closed and forgotten.
 */
@ProviderType
public interface PortRegistry {

    Matrix connectMatrix();

    Matrix removeNotifyMatrix();

    /** Every process with a port, main included. */
    List<PortInfo> ports();

    Optional<PortInfo> ports(int pid);

    /** Sends a DATA message from main to a process's port. */
    void send(PortId target, byte[] payload) throws IOException;
}
