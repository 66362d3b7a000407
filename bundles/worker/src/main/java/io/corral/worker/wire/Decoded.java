package io.corral.worker.wire;

/**
 * What a datagram came to: a whole message, a refusal (with a detail for the
 * log), or nothing yet (a frame of a split message).
 */
public record Decoded(Frame frame, Refusal refusal, String detail) {

    /** Nothing whole yet: a frame of a split message, or no datagram at all. */
    public static final Decoded INCOMPLETE = new Decoded(null, null, null);

    static Decoded of(Frame frame) {
        return new Decoded(frame, null, null);
    }

    static Decoded refused(Refusal refusal, String detail) {
        return new Decoded(null, refusal, detail);
    }

    public boolean complete() {
        return frame != null;
    }

    public boolean refused() {
        return refusal != null;
    }
}
