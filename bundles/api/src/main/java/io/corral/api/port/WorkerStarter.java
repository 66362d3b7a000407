package io.corral.api.port;

import io.corral.api.process.SpawnException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Starts workers when a router asks main for one (START_WORKER). Register it
 * as an OSGi service (the application manager does); without one, main
 * answers START_WORKER with RPC_ERROR.
 */
@ConsumerType
public interface WorkerStarter {

    /**
     * Starts one more worker of {@code application}. Called off the port
     * reader thread; may take as long as a spawn takes.
     *
     * @param application the application the router named
     * @param requester   the pid of the router that asked
     * @return the pid of the new worker
     */
    int startWorker(String application, int requester) throws SpawnException;
}
