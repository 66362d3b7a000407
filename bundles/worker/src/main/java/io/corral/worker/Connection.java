package io.corral.worker;

import io.corral.worker.wire.FrameChannel;

/** One socket of this process, the token epoll reports for it, and the peer at its other end. */
final class Connection {

    final long token;
    final FrameChannel channel;
    private Peer peer;

    Connection(long token, int fd, int selfPid) {
        this.token = token;
        this.channel = new FrameChannel(fd, selfPid, 0);
    }

    Peer peer() {
        return peer;
    }

    void peer(Peer p) {
        this.peer = p;
    }
}
