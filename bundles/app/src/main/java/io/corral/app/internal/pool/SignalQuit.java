package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;

/**
 * QUIT until ports exist: SIGTERM. Unit's QUIT is a port message that lets a
 * worker finish its requests; SIGTERM is the nearest thing a plain
 * executable understands. Replace with a port-based sender when ports merge.
 */
public final class SignalQuit implements QuitSender {

    static final int SIGTERM = 15;

    @Override
    public boolean quit(ManagedProcess process) {
        process.signal(SIGTERM);
        return false;
    }
}
