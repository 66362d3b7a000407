package io.corral.api.process;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One participant's part in one spawn (see {@link SpawnParticipant}). The
 * factory passes the descriptors on to the child and closes none of them:
 * they stay the participant's, to close in {@link #started} or {@link #failed}.
 */
@ConsumerType
public interface Participation {

    /** Descriptors the child gets, numbered from the {@code firstDescriptor} it was told. */
    default int[] descriptors() {
        return new int[0];
    }

    /** Entries added to the child's environment; they win over the spec's entries of the same name. */
    default Map<String, String> environment() {
        return Map.of();
    }

    /**
     * Whether the process will say it is ready through this participant. When
     * one participation says so, the process stays RUNNING after exec until
     * the {@code ready} action given to {@link #started} runs.
     */
    default boolean announcesReadiness() {
        return false;
    }

    /**
     * The program runs. Called on the spawning thread after the process was
     * registered (it may have exited already). {@code ready} moves it to
     * READY; calling it again, or after the exit, does nothing.
     */
    void started(ManagedProcess process, Runnable ready);

    /**
     * Asks the process to quit through this participant, as the first step of
     * {@link ManagedProcess#stop}; true when the request went out as a message
     * (the port service sends QUIT to a process that said it is ready on its
     * port). The factory asks each participation in spawn order until one
     * sends; when none does, the process gets SIGTERM. Called on any thread,
     * only after {@link #started}; it must not block.
     *
     * @since 1.3
     */
    default boolean quit() {
        return false;
    }

    /** The spawn failed (or another participant refused it): nothing runs; release what was prepared. */
    void failed();
}
