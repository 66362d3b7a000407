package io.corral.worker;

import java.io.IOException;

/**
 * What a worker does with the messages it gets. The methods run one at a
 * time, each on the reader thread of the socket the message came in on,
 * under the worker's lock: a handler needs no locking of its own for state
 * only handlers touch, and sees what earlier calls did. An exception is
 * logged (and answered with RPC_ERROR when the sender asked for an answer),
 * and reading goes on. A handler that blocks holds up every socket.
 */
public interface Handler {

    /** Main handed this process a peer's port: {@code peer} may now be sent to. */
    default void newPort(Worker worker, Peer peer) throws IOException {
    }

    /** A process has died; its ports are already closed here. */
    default void removePid(Worker worker, int pid) throws IOException {
    }

    /** Main asks this process to finish and exit; by default {@link Worker#run} returns. */
    default void quit(Worker worker) throws IOException {
        worker.stop();
    }

    /** Application data from main or a peer; {@link Message#reply} answers on the same stream. */
    default void data(Worker worker, Message message) throws IOException {
    }

    /** RPC_READY or RPC_ERROR: the answer to a SYNC message or to {@link Worker#startWorker}. */
    default void answer(Worker worker, Message message) throws IOException {
    }
}
