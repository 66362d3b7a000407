package io.corral.api.isolation;

/** Linux namespaces, named by Unit's {@code isolation.namespaces} keys (plus Corral's {@code ipc}). */
public enum Namespace {
    /** A user namespace: ids are mapped by uidmap/gidmap. */
    CREDENTIAL("credential"),
    PID("pid"),
    MOUNT("mount"),
    UNAME("uname"),
    IPC("ipc"),
    NETWORK("network"),
    CGROUP("cgroup");

    private final String key;

    Namespace(String key) {
        this.key = key;
    }

    /** The configuration key, e.g. {@code credential}. */
    public String key() {
        return key;
    }

    /** Parses a key; the error names the value and the valid keys. */
    public static Namespace parse(String key) {
        for (Namespace n : values()) {
            if (n.key.equals(key)) {
                return n;
            }
        }
        throw new IllegalArgumentException("unknown namespace \"" + key
            + "\": expected credential, pid, mount, uname, ipc, network or cgroup");
    }
}
