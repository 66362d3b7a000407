package io.corral.worker;

import io.corral.worker.wire.FrameChannel;

/** One socket of this process and the peer at its other end. */
final class Connection {

    final FrameChannel channel;
    private Peer peer;

    Connection(int fd, int selfPid) {
        this.channel = new FrameChannel(fd, selfPid, 0);
    }

    Peer peer() {
        return peer;
    }

    void peer(Peer p) {
        this.peer = p;
    }
}
