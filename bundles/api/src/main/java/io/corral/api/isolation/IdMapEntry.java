package io.corral.api.isolation;

/**
 * One line of a uid or gid map: {@code size} ids starting at {@code container}
 * inside the user namespace are {@code host} and up outside it.
 * Values are unsigned 32-bit; a provider rejects out-of-range or overlapping
 * entries before anything is created.
 */
public record IdMapEntry(long container, long host, long size) {

    /** Parses {@code CONTAINER:HOST:SIZE}; the error names the value and the form. */
    public static IdMapEntry parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("id map entry \"" + text + "\": expected CONTAINER:HOST:SIZE");
        }
        try {
            return new IdMapEntry(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("id map entry \"" + text + "\": CONTAINER, HOST and SIZE must be numbers");
        }
    }

    @Override
    public String toString() {
        return container + ":" + host + ":" + size;
    }
}
