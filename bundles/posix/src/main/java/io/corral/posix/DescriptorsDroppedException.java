package io.corral.posix;

import java.nio.ByteBuffer;

/**
 * A datagram arrived whole but the descriptors it carried did not (the
 * receiver had no free descriptor, MSG_CTRUNC). Its bytes say what was lost:
 * a receiver for whom that matters (a spawn reply names a process) can act
 * on it.
 */
public final class DescriptorsDroppedException extends PosixException {
    private static final long serialVersionUID = 1L;

    private final transient ByteBuffer data;

    public DescriptorsDroppedException(String call, ByteBuffer data) {
        super(call, Posix.EMSGSIZE);
        this.data = data;
    }

    /** The datagram's bytes, in native byte order. */
    public ByteBuffer data() {
        return data.duplicate().order(data.order());
    }
}
