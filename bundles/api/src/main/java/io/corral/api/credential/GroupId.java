package io.corral.api.credential;

/**
 * A group: its id and, when the group database has one, its name (else the number as text).
 *
 * @param gid  the group id, an unsigned 32-bit value held in an int: ids above
 *             2147483647 read as negative, {@link Integer#toUnsignedLong} gives the number
 * @param name the group's name, or {@code Integer.toUnsignedString(gid)} when it has none
 */
public record GroupId(int gid, String name) {

    /** As id(1) prints a group: {@code 100(users)}, or {@code 4242} alone when the group has no name. */
    @Override
    public String toString() {
        return Credential.idAndName(gid, name);
    }
}
