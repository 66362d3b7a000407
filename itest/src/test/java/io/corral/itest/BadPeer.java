package io.corral.itest;

import io.corral.posix.Posix;
import io.corral.posix.SeqPacketSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A deliberately bad peer, run as its own process by PortIT: on its port it
 * sends one malformed frame of each kind (and a descriptor where none belongs,
 * many times over, so that a leak would show), then a valid PROCESS_READY,
 * then starts a split message and closes its end in the middle of it. It
 * builds frames by hand: the codec would refuse to write them.
 */
public final class BadPeer {

    /** How often a descriptor is sent where none belongs. */
    static final int STRAY_DESCRIPTORS = 50;

    private static final int READY = 1;
    private static final int NEW_PORT = 2;
    private static final int DATA = 5;
    private static final int LAST = 1;

    private BadPeer() {
    }

    public static void main(String[] args) throws Exception {
        int stream = Integer.parseUnsignedInt(System.getenv("CORRAL_STREAM"));
        // The default size leaves room for a datagram larger than a frame may be.
        SeqPacketSocket port = SeqPacketSocket.wrap(Integer.parseInt(System.getenv("CORRAL_PORT_FD")));
        int[] pipe = Posix.pipe();
        port.send(ByteBuffer.wrap(new byte[7]));
        port.send(frame(DATA, LAST, 1, 100, new byte[10]));
        port.send(frame(99, LAST, 1, 0, new byte[0]));
        for (int i = 0; i < STRAY_DESCRIPTORS; i++) {
            port.send(frame(READY, LAST, stream, 0, new byte[0]), pipe[0]);
        }
        port.send(ByteBuffer.wrap(new byte[16384 + 1]));
        port.send(frame(NEW_PORT, LAST, 0, 16, new byte[16]), pipe[0]);
        port.send(frame(READY, LAST, stream + 1, 0, new byte[0]));
        port.send(frame(READY, LAST, stream, 0, new byte[0]));
        port.send(frame(DATA, 0, 5, 10, new byte[10]));
        port.close();
        System.out.println("bad peer: done, port closed mid-message");
        Thread.sleep(120_000);
    }

    private static ByteBuffer frame(int type, int flags, int stream, int length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) type).put((byte) flags).put((byte) 1).put((byte) 0).putInt(stream)
            .putInt((int) ProcessHandle.current().pid()).putInt(0).putInt(length).put(payload);
        return b.flip();
    }
}
