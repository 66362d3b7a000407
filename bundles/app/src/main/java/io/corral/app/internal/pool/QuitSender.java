package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;

/**
 * Asks a process to finish its work and exit. NGINX Unit sends a QUIT
 * message on the process's port; this is the seam where that goes once
 * Corral's ports are wired. The pool escalates if the process does not exit.
 */
public interface QuitSender {

    /**
     * @return true when the request went as a QUIT message (the pool then
     *         sends SIGTERM after the quit timeout, SIGKILL after the kill
     *         timeout); false when it was SIGTERM already (SIGKILL follows
     *         after the kill timeout)
     */
    boolean quit(ManagedProcess process);
}
