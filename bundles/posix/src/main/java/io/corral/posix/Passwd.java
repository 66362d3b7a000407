package io.corral.posix;

/** A passwd entry. */
public record Passwd(String name, int uid, int gid, String home, String shell) {
}
