package io.corral.api.process;

import java.time.Duration;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told of each step of a {@link ManagedProcess#stop(StopOptions) stop} that
 * goes beyond asking: the signals sent because the process did not exit in
 * time. Calls come from the process factory's timer thread: return quickly
 * and never block. A listener hears of a signal before the exit it caused
 * completes {@link ManagedProcess#onExit()}. A listener that throws does not
 * hold up the stop.
 *
 * @since 1.3
 */
@ConsumerType
@FunctionalInterface
public interface StopListener {

    /**
     * {@code signal} (SIGTERM or SIGKILL) went to the process because it had
     * not exited {@code waited} after the previous step (the QUIT message, or
     * SIGTERM).
     */
    void escalated(int signal, Duration waited);

    /**
     * A step could not be taken; {@code message} names the step and the pid.
     * The stop goes on with its next step all the same.
     */
    default void failed(String message) {
    }
}
