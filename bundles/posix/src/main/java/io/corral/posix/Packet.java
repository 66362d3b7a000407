package io.corral.posix;

import java.nio.ByteBuffer;

/**
 * One received datagram: its bytes (native byte order) and the descriptors
 * that came with it, which the receiver now owns (they are close-on-exec).
 */
public record Packet(ByteBuffer data, int[] descriptors) {

    /** Closes every descriptor that came with the packet and was not taken. */
    public void closeDescriptors() {
        Posix.closeQuietly(descriptors);
    }
}
