package io.corral.posix;

/** A group entry. */
public record GroupEntry(String name, int gid) {
}
