package io.corral.app.internal.pool;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.SpawnException;
import io.corral.app.internal.config.AppConfig;

/** Starts one process of an application (the process factory, with the application's spec and log). */
public interface Launcher {

    ManagedProcess launch(AppConfig app) throws SpawnException;
}
