package io.corral.api.process;

/** Where a process is in its life. States only move forward. */
public enum ProcessState {
    /** Created; the parent's half of the handshake is under way. */
    STARTING,
    /** The target program was executed successfully. */
    RUNNING,
    /** The process said it is ready (or, for plain executables, it was executed). */
    READY,
    /** Its exit was seen and it was reaped. */
    EXITED
}
