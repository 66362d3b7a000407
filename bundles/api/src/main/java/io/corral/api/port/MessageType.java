package io.corral.api.port;

/**
 * Message types of the port protocol, with their wire codes (the project's
 * docs/port-protocol.md gives the frame layout and each type's payload).
 */
public enum MessageType {
    /** A process tells main it is ready; carries the stream id it was given at spawn. */
    PROCESS_READY(1),
    /** Main hands a process a peer's port; the socket rides along as a descriptor. */
    NEW_PORT(2),
    /** A process has died: forget its ports. */
    REMOVE_PID(3),
    /** Finish your work and exit. */
    QUIT(4),
    /** Application data between processes. */
    DATA(5),
    /** A router asks main for one more worker. */
    START_WORKER(6),
    /** The answer to a request (a frame with the SYNC flag, or START_WORKER): done. */
    RPC_READY(7),
    /** The answer to a request: failed; the payload says why. */
    RPC_ERROR(8);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this wire code, or null when there is none. */
    public static MessageType ofCode(int code) {
        for (MessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
