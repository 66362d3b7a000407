/**
 * The worker library: the port protocol's client side, for a process Corral
 * spawned with a port (Unit's libunit). {@link io.corral.worker.Worker#attach()}
 * takes the inherited port, {@link io.corral.worker.Worker#ready()} says
 * PROCESS_READY, and {@link io.corral.worker.Worker#run} calls a
 * {@link io.corral.worker.Handler} for NEW_PORT, REMOVE_PID, QUIT and DATA,
 * one message at a time, on a reader thread per socket. Plain Java: the class
 * path is this jar and {@code io.corral.posix}.
 */
package io.corral.worker;
