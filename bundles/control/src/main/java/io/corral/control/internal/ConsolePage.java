package io.corral.control.internal;

import io.corral.api.app.ApplicationManager;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The web console under {@code /console}. */
final class ConsolePage extends Handler.Abstract {

    private final ApplicationManager apps;

    ConsolePage(ApplicationManager apps) {
        this.apps = apps;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        return false;
    }
}
