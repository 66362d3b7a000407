package io.corral.posix;

/** A passwd entry. Ids are unsigned 32-bit values held in an int ({@link Integer#toUnsignedLong}). */
public record Passwd(String name, int uid, int gid, String home, String shell) {
}
