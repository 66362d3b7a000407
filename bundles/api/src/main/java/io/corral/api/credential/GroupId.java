package io.corral.api.credential;

/** A group: its id and, when the group database has one, its name (else the number as text). */
public record GroupId(int gid, String name) {

    @Override
    public String toString() {
        return gid + "(" + name + ")";
    }
}
