package io.corral.api.port;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The ports of every process, the connected-port table and the matrices.
 *
 * <p>Guarantees: safe under concurrent use; a process is handed exactly the
 * ports its connect row allows; on a death, exactly the processes whose
 * remove-notify row allows it are told, and the dead process's ports are
 * closed and forgotten. Main never blocks on a process's port: a frame that
 * does not fit in the process's queue is dropped and the send fails.
 */
@ProviderType
public interface PortRegistry {

    /** Who holds whose port: row = the holder, column = the owner. */
    Matrix connectMatrix();

    /** Who is told of whose death: row = the one told, column = the one that died. */
    Matrix removeNotifyMatrix();

    /** Main's own port: the container's pid, port {@link PortId#FIRST}. */
    PortId mainPort();

    /** Every process with a port, main first. */
    List<PortInfo> ports();

    Optional<PortInfo> ports(int pid);

    /**
     * Sends a DATA message from main to a process's port.
     *
     * @throws IOException when there is no such port, it is closed, or its queue is full
     */
    void send(PortId target, byte[] payload) throws IOException;

    /**
     * Sends a DATA message on a new stream and completes with the payload of
     * the first DATA the process sends back on that stream. The stage never
     * completes when no answer comes: callers bound their wait; it fails when
     * the port closes first.
     */
    CompletionStage<byte[]> request(PortId target, byte[] payload) throws IOException;

    /**
     * Sends a DATA message on a new stream and waits on the calling thread
     * for the payload of the first DATA the process sends back on that
     * stream: the blocking form of {@link #request}, without handing the
     * answer from main's port reader to the caller. For the duration of the
     * call the caller reads the process's port itself; every other frame
     * arriving meanwhile (another stream's answer, PROCESS_READY, DATA to
     * main, a malformed frame, end of file) is handled exactly as main's port
     * reader handles it, on the calling thread. Calls to the same process from
     * several threads are served one after the other; calls to different
     * processes do not wait for each other.
     *
     * @param target  the process's port
     * @param payload at most one frame's payload (16364 bytes)
     * @param timeout how long to wait in all, for the calls before this one
     *                to the same process included; positive
     * @return the answer's payload
     * @throws IOException          when there is no such port, it is closed or its queue is full,
     *                              when no answer came within the timeout, or when the process closed
     *                              its end or died before answering (promptly, not at the timeout);
     *                              the message names the pid
     * @throws InterruptedException when the thread was interrupted before or between the frames it
     *                              reads (a wait for a frame is bounded by the timeout, not interrupted)
     * @throws IllegalArgumentException when the timeout is not positive
     * @since 1.1
     */
    byte[] call(PortId target, byte[] payload, Duration timeout) throws IOException, InterruptedException;

    /** Sends QUIT: the process should finish its work and exit. */
    void quit(int pid) throws IOException;

    /**
     * Frames main refused since it started, by reason: {@code short-header},
     * {@code bad-version}, {@code bad-length}, {@code bad-flags},
     * {@code unknown-type}, {@code unexpected-type}, {@code unexpected-descriptor},
     * {@code missing-descriptor}, {@code bad-payload}, {@code bad-stream},
     * {@code oversize}, {@code message-too-long}, {@code closed-mid-message}
     * (see the project's docs/port-protocol.md).
     */
    Map<String, Long> refused();
}
