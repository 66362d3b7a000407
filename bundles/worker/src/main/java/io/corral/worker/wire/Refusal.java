package io.corral.worker.wire;

/** Why a frame was refused; {@link #code()} is the name counters and logs use. */
public enum Refusal {
    /** Fewer bytes than a header. */
    SHORT_HEADER("short-header"),
    /** A protocol version this side does not speak, or a reserved byte not 0. */
    BAD_VERSION("bad-version"),
    /** The header's payload length is not the number of bytes that follow it. */
    BAD_LENGTH("bad-length"),
    /** Unknown flag bits, CLOSE_FD without a descriptor, or a split message of a type that cannot be split. */
    BAD_FLAGS("bad-flags"),
    /** A type code nobody knows. */
    UNKNOWN_TYPE("unknown-type"),
    /** A known type this receiver does not take from this sender. */
    UNEXPECTED_TYPE("unexpected-type"),
    /** A descriptor on a frame whose type carries none (or on a frame that is not a message's last). */
    UNEXPECTED_DESCRIPTOR("unexpected-descriptor"),
    /** No descriptor on a frame whose type needs one. */
    MISSING_DESCRIPTOR("missing-descriptor"),
    /** A payload of the wrong size or content for its type. */
    BAD_PAYLOAD("bad-payload"),
    /** PROCESS_READY with a stream other than the one given at spawn. */
    BAD_STREAM("bad-stream"),
    /** A datagram larger than a frame may be (the kernel truncated it). */
    OVERSIZE("oversize"),
    /** A split message larger than a message may be. */
    MESSAGE_TOO_LONG("message-too-long"),
    /** The peer closed its end with a split message unfinished. */
    CLOSED_MID_MESSAGE("closed-mid-message");

    private final String code;

    Refusal(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
