package io.corral.worker.wire;

/**
 * Frame types with their wire codes and the rule for an attached descriptor.
 * The codes are those of {@code io.corral.api.port.MessageType}; this copy
 * lets a worker run without the API jar.
 */
public enum FrameType {
    /** Process to main: I am ready. Payload empty; the stream is the one given at spawn. */
    PROCESS_READY(1, Attachment.NONE),
    /** Main to process: a port, passed as the descriptor. Payload: pid, port id, type, role. */
    NEW_PORT(2, Attachment.REQUIRED),
    /** Main to process: that pid has died. Payload: the pid. */
    REMOVE_PID(3, Attachment.NONE),
    /** Main to process: finish and exit. Payload empty. */
    QUIT(4, Attachment.NONE),
    /** Anyone to anyone: application data, possibly over several frames, at most one descriptor (on the last). */
    DATA(5, Attachment.OPTIONAL),
    /** Router to main: start one more worker. Payload: the application name (UTF-8). */
    START_WORKER(6, Attachment.NONE),
    /** The answer to a SYNC frame or START_WORKER: done (START_WORKER: payload the new pid). */
    RPC_READY(7, Attachment.NONE),
    /** The answer to a SYNC frame or START_WORKER: failed; payload the reason (UTF-8). */
    RPC_ERROR(8, Attachment.NONE);

    /** Whether a frame of a type carries a descriptor. */
    public enum Attachment { NONE, OPTIONAL, REQUIRED }

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final Attachment attachment;

    FrameType(int code, Attachment attachment) {
        this.code = code;
        this.attachment = attachment;
    }

    public int code() {
        return code;
    }

    public Attachment attachment() {
        return attachment;
    }

    /** The type with this code (0..255), or null. */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
