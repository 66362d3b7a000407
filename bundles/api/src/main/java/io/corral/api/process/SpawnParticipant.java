package io.corral.api.process;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes part in every spawn: gives the child descriptors and environment
 * entries and is told how the spawn ended. Register it as an OSGi service;
 * the factory asks every participant present.
 * The port service is one: it gives each process its port.
 */
@ConsumerType
public interface SpawnParticipant {

    /**
     * Called once the spec has been validated, before anything is created.
     *
     * @param spec            what is being spawned
     * @param firstDescriptor the number the child will see for the first of
     *                        {@link Participation#descriptors()}
     * @return what to add to this spawn; the factory calls exactly one of
     *         {@link Participation#started} or {@link Participation#failed} on it
     * @throws SpawnException to refuse the spawn; the factory then fails it
     *         with this exception, and nothing is created
     */
    Participation participate(SpawnSpec spec, int firstDescriptor) throws SpawnException;
}
