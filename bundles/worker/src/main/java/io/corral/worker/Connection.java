package io.corral.worker;

import io.corral.posix.PosixException;
import io.corral.posix.SeqPacketSocket;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameDecoder;
import io.corral.worker.wire.FrameType;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One socket of this process and the peer at its other end. Sending may
 * happen on any thread; closing and sending exclude each other so that a
 * descriptor number is never used after it was closed (and perhaps reused).
 */
final class Connection {

    final long token;
    final SeqPacketSocket socket;
    final FrameDecoder decoder = new FrameDecoder();
    private final int selfPid;
    private Peer peer;
    private boolean closed;

    Connection(long token, int fd, int selfPid) {
        this.token = token;
        this.socket = SeqPacketSocket.wrap(fd, Frame.MAX_FRAME);
        this.selfPid = selfPid;
    }

    Peer peer() {
        return peer;
    }

    void peer(Peer p) {
        this.peer = p;
    }

    synchronized void send(FrameType type, int flags, int stream, byte[] payload, int descriptor)
            throws IOException {
        if (closed) {
            throw new IOException("the port of " + peer + " is closed");
        }
        ByteBuffer[] frames;
        try {
            frames = Frame.encode(type, flags, stream, selfPid, 0, payload);
        } catch (IllegalArgumentException e) {
            throw new IOException("sending to " + peer + ": " + e.getMessage());
        }
        try {
            for (int i = 0; i < frames.length; i++) {
                if (descriptor >= 0 && i == frames.length - 1) {
                    socket.send(frames[i], descriptor);
                } else {
                    socket.send(frames[i]);
                }
            }
        } catch (PosixException e) {
            throw new IOException("sending " + type + " to " + peer + ": " + e.getMessage(), e);
        }
    }

    synchronized boolean closed() {
        return closed;
    }

    synchronized void close() {
        if (!closed) {
            closed = true;
            socket.close();
        }
    }
}
