package io.corral.api.isolation;

/**
 * One line of a uid or gid map: {@code size} ids starting at {@code container}
 * inside the user namespace are {@code host} and up outside it.
 * Values are unsigned 32-bit; a provider rejects out-of-range or overlapping
 * entries before anything is created.
 */
public final class IdMapEntry {

    private final long container;
    private final long host;
    private final long size;

    public IdMapEntry(long container, long host, long size) {
        this.container = container;
        this.host = host;
        this.size = size;
    }

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

    /** The first id inside the user namespace. */
    public long container() {
        return container;
    }

    /** The id outside the namespace that {@link #container()} maps to. */
    public long host() {
        return host;
    }

    /** How many consecutive ids the line maps. */
    public long size() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdMapEntry e && e.container == container && e.host == host && e.size == size;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(container) * 961 + Long.hashCode(host) * 31 + Long.hashCode(size);
    }

    /** {@code CONTAINER:HOST:SIZE}, the form {@link #parse} reads. */
    @Override
    public String toString() {
        return container + ":" + host + ":" + size;
    }
}
