package io.corral.posix;

/** A group entry. The id is an unsigned 32-bit value held in an int ({@link Integer#toUnsignedLong}). */
public record GroupEntry(String name, int gid) {
}
