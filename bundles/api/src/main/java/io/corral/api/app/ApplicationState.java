package io.corral.api.app;

/** Where an application's pool stands. */
public enum ApplicationState {
    /** Fewer processes run than are wanted, and they are being started. */
    STARTING,
    /** As many processes run as are wanted. */
    RUNNING,
    /** Its processes keep exiting soon after they start; respawns wait longer each time. */
    CRASH_LOOP,
    /** Stopped by the operator; processes are still exiting. */
    STOPPING,
    /** Stopped by the operator; no process runs. */
    STOPPED
}
