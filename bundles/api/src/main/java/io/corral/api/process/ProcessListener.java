package io.corral.api.process;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of every state change of every process the factory tracks.
 * Register it as an OSGi service. Calls come from the factory's supervision
 * thread: return quickly and never block.
 */
@ConsumerType
public interface ProcessListener {

    void stateChanged(ManagedProcess process, ProcessState state);
}
