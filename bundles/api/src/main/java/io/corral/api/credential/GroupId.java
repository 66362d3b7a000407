package io.corral.api.credential;

import java.util.Objects;

/** A group: its id and, when the group database has one, its name (else the number as text). */
public final class GroupId {

    private final int gid;
    private final String name;

    /**
     * @param gid  the group id, an unsigned 32-bit value held in an int: ids above
     *             2147483647 read as negative, {@link Integer#toUnsignedLong} gives the number
     * @param name the group's name, or {@code Integer.toUnsignedString(gid)} when it has none
     */
    public GroupId(int gid, String name) {
        this.gid = gid;
        this.name = name;
    }

    /** The group id (unsigned 32-bit, held in an int). */
    public int gid() {
        return gid;
    }

    /** The group's name, or {@code Integer.toUnsignedString(gid)} when it has none. */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupId g && g.gid == gid && Objects.equals(g.name, name);
    }

    @Override
    public int hashCode() {
        return gid * 31 + Objects.hashCode(name);
    }

    /** As id(1) prints a group: {@code 100(users)}, or {@code 4242} alone when the group has no name. */
    @Override
    public String toString() {
        return Credential.idAndName(gid, name);
    }
}
