package io.corral.api.process;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of every state change of every process the factory tracks, whichever
 * bundle spawned it. Register it as an OSGi service. To follow one spawn
 * only, RUNNING and READY included, give a listener with the spec instead
 * ({@link SpawnSpec.Builder#listener}). Calls come from the thread that saw the
 * change (the spawning thread, the isolation provider's reader thread, or a
 * thread in {@link ManagedProcess#waitFor()}): return quickly and never block.
 */
@ConsumerType
public interface ProcessListener {

    void stateChanged(ManagedProcess process, ProcessState state);
}
