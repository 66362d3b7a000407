package io.corral.worker;

import io.corral.posix.Posix;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A DATA message (or an RPC answer) as a handler sees it. A descriptor that
 * came with it is closed after the handler returns unless the handler
 * {@link #takeDescriptor() took} it.
 */
public final class Message {

    private final Peer from;
    private final Frame frame;
    private int descriptor;

    Message(Peer from, Frame frame) {
        this.from = from;
        this.frame = frame;
        this.descriptor = frame.descriptor();
    }

    /** Who sent it; answers go back through the same socket. */
    public Peer from() {
        return from;
    }

    public FrameType type() {
        return frame.type();
    }

    public int stream() {
        return frame.stream();
    }

    public byte[] payload() {
        return frame.payload();
    }

    public String text() {
        return frame.text();
    }

    /** Whether the sender waits for RPC_READY or RPC_ERROR (the library sends it after the handler). */
    public boolean sync() {
        return frame.has(Frame.SYNC);
    }

    /** Takes the attached descriptor (-1 when none): from now on the caller closes it. */
    public int takeDescriptor() {
        int fd = descriptor;
        descriptor = -1;
        return fd;
    }

    /** Answers with DATA on the same stream, to the sender. */
    public void reply(byte[] payload) throws IOException {
        from.send(frame.stream(), payload);
    }

    public void reply(String text) throws IOException {
        reply(text.getBytes(StandardCharsets.UTF_8));
    }

    void release() {
        Posix.closeQuietly(descriptor);
        descriptor = -1;
    }
}
