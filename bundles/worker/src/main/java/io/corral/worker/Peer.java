package io.corral.worker;

import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The process at the other end of one of this process's sockets: main, a peer
 * whose port this process holds ({@link #held()}), or a peer that holds this
 * process's port and sent a message through it.
 */
public final class Peer {

    private final Connection connection;
    private final int pid;
    private final int port;
    private final String type;
    private final boolean held;

    Peer(Connection connection, int pid, int port, String type, boolean held) {
        this.connection = connection;
        this.pid = pid;
        this.port = port;
        this.type = type;
        this.held = held;
    }

    /** Its pid as the container sees it. */
    public int pid() {
        return pid;
    }

    /** Its port id. */
    public int port() {
        return port;
    }

    /** Its process type: main, discovery, controller, router or worker. */
    public String type() {
        return type;
    }

    /** Whether this process holds the peer's port (main's included), as opposed to the peer holding ours. */
    public boolean held() {
        return held;
    }

    /** Whether the socket to it is still open. */
    public boolean open() {
        return !connection.channel.closed();
    }

    /** Sends DATA on {@code stream}; blocks while the peer's queue is full. */
    public void send(int stream, byte[] payload) throws IOException {
        send(stream, payload, -1);
    }

    public void send(int stream, String text) throws IOException {
        send(stream, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends DATA with a descriptor; the descriptor stays the caller's. */
    public void send(int stream, byte[] payload, int descriptor) throws IOException {
        try {
            connection.channel.send(FrameType.DATA, Frame.LAST, stream, payload, descriptor);
        } catch (IOException e) {
            throw new IOException("to " + this + ": " + e.getMessage(), e);
        }
    }

    Connection connection() {
        return connection;
    }

    @Override
    public String toString() {
        return type + " " + pid + ":" + port;
    }
}
