package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;

/**
 * QUIT for a plain executable, which reads no port: SIGTERM, the nearest
 * thing it understands (see {@link PortQuit} for processes that speak the
 * port protocol).
 */
public final class SignalQuit implements QuitSender {

    static final int SIGTERM = 15;

    @Override
    public boolean quit(ManagedProcess process) {
        process.signal(SIGTERM);
        return false;
    }
}
