package io.corral.api.process;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Handles a process's piped streams without a thread per stream, as
 * NuProcess's handler does: the factory's one stream thread calls it when
 * a pipe is ready. Calls for one process never overlap; they must not block.
 * Give it with {@link Stdio.Builder#handler} or {@link ManagedProcess#handleStreams}.
 *
 * @since 3.0
 */
@ConsumerType
public interface StreamHandler {

    /**
     * Output arrived on the child's stdout, between the buffer's position and
     * limit. Bytes left unread stay in the buffer for the next call (a full
     * buffer nobody reads from is emptied). {@code closed}: the child's end
     * is closed (end of file); this is the last call for stdout.
     */
    default void onStdout(ManagedProcess process, ByteBuffer buffer, boolean closed) {
    }

    /** As {@link #onStdout}, for stderr. */
    default void onStderr(ManagedProcess process, ByteBuffer buffer, boolean closed) {
    }

    /**
     * The child's stdin can take more, after {@link ManagedProcess#wantWrite}:
     * put bytes into the buffer (it is cleared before each call; what is put
     * is written, flipped, by the stream thread).
     *
     * @return true to be called again once the pipe can take more; false to
     *         wait for the next {@link ManagedProcess#wantWrite}
     */
    default boolean onStdinReady(ManagedProcess process, ByteBuffer buffer) {
        return false;
    }
}
