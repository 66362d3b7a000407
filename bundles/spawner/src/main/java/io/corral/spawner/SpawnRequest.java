package io.corral.spawner;

import io.corral.api.credential.Credential;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Launch;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.Resources;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encodes a SPAWN message (type 1) of the spawn protocol. */
final class SpawnRequest {

    static final int TYPE = 1;
    static final int NO_NEW_PRIVS = 1;
    static final int MOUNT_PROC = 2;
    static final int SET_GROUPS = 4;
    static final int SET_GID = 8;
    static final int SET_UID = 16;
    static final int CGROUP = 32;
    static final int READ_ONLY_ROOT = 64;
    /** Pipes the server makes for fds 0, 1 and 2, and fd 2 as fd 1. */
    static final int[] PIPE = {128, 256, 512};
    static final int STDERR_TO_STDOUT = 1024;
    static final int HEADER_FIELDS = 18;
    static final int SETGROUPS_DENY = 1;
    static final int SETGROUPS_ALLOW = 2;

    private SpawnRequest() {
    }

    /**
     * @param privileged whether the container may set ids (decides setgroups
     *                   and whether credentials are applied at all)
     */
    static ByteBuffer encode(int requestId, Launch launch, boolean privileged, CgroupPlan cgroup) {
        IsolationRequest iso = launch.isolation();
        boolean userNs = iso.has(Namespace.CREDENTIAL);
        Credential cred = launch.credential();
        int options = 0;
        if (!iso.newPrivileges()) {
            options |= NO_NEW_PRIVS;
        }
        Filesystem fs = launch.filesystem();
        // A new pid namespace sees itself in a fresh /proc; in a root of its own, proc is one of its mounts.
        if (iso.has(Namespace.MOUNT) && iso.has(Namespace.PID) && fs.rootfs().isEmpty()) {
            options |= MOUNT_PROC;
        }
        if (fs.readOnlyRoot()) {
            options |= READ_ONLY_ROOT;
        }
        int[] groups = new int[0];
        if (cred != null) {
            // Inside a user namespace the child is root there and may set any mapped id;
            // supplementary groups need setgroups "allow", which only a privileged parent gets.
            if (privileged || userNs) {
                options |= SET_GID | SET_UID;
            }
            if (privileged) {
                options |= SET_GROUPS;
                groups = cred.groups().stream().mapToInt(g -> g.gid()).distinct().toArray();
            }
        }
        int setgroups = userNs ? (privileged ? SETGROUPS_ALLOW : SETGROUPS_DENY) : 0;
        if (cgroup != null) {
            options |= CGROUP;
        }
        options |= stdioOptions(launch.descriptors());
        List<String> rlimits = rlimits(launch);
        List<String> mounts = Mounts.strings(fs);

        byte[][] strings = strings(launch, cgroup, rlimits, mounts);
        int size = HEADER_FIELDS * 4 + groups.length * 4 + (iso.uidMap().size() + iso.gidMap().size()) * 12;
        for (byte[] s : strings) {
            size += s.length + 1;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        b.putInt(TYPE).putInt(requestId).putInt(NamespaceBits.mask(iso.namespaces())).putInt(options);
        b.putInt(cred != null ? cred.uid() : -1).putInt(cred != null ? cred.gid() : -1);
        b.putInt(groups.length).putInt(setgroups);
        b.putInt(userNs ? iso.uidMap().size() : 0).putInt(userNs ? iso.gidMap().size() : 0);
        b.putInt(0); // no parent-death signal: the spawn server kills its children when the JVM dies
        b.putInt(launch.argv().size()).putInt(launch.env().size()).putInt(launch.descriptors().length);
        b.putInt(rlimits.size());
        b.putInt(cgroup != null ? cgroup.v1Directories().size() : 0);
        b.putInt(cgroup != null ? cgroup.settings().size() : 0);
        b.putInt(mounts.size() / 3);
        for (int g : groups) {
            b.putInt(g);
        }
        if (userNs) {
            putMap(b, iso.uidMap());
            putMap(b, iso.gidMap());
        }
        for (byte[] s : strings) {
            b.put(s).put((byte) 0);
        }
        return b.flip();
    }

    /** The option bits for the standard streams the server makes. */
    static int stdioOptions(int[] descriptors) {
        int options = 0;
        for (int i = 0; i < 3; i++) {
            if (descriptors[i] == Launch.PIPE) {
                options |= PIPE[i];
            }
        }
        return descriptors[2] == Launch.SAME_AS_OUTPUT ? options | STDERR_TO_STDOUT : options;
    }

    /** The descriptors the request carries: those of the slots the server does not fill. */
    static int[] sent(int[] descriptors) {
        int n = 0;
        for (int fd : descriptors) {
            n += fd >= 0 ? 1 : 0;
        }
        if (n == descriptors.length) {
            return descriptors; // the default: every slot is a descriptor of the JVM's
        }
        int[] sent = new int[n];
        for (int i = 0, j = 0; i < descriptors.length; i++) {
            if (descriptors[i] >= 0) {
                sent[j++] = descriptors[i];
            }
        }
        return sent;
    }

    /** How many pipe ends the SPAWNED reply carries after the pidfd. */
    static int pipes(int[] descriptors) {
        int n = 0;
        for (int i = 0; i < 3; i++) {
            n += descriptors[i] == Launch.PIPE ? 1 : 0;
        }
        return n;
    }

    private static void putMap(ByteBuffer b, List<IdMapEntry> map) {
        for (IdMapEntry e : map) {
            b.putInt((int) e.container()).putInt((int) e.host()).putInt((int) e.size());
        }
    }

    /** {@code NAME=VALUE}, soft and hard alike, as the server reads them. */
    private static List<String> rlimits(Launch launch) {
        return launch.resources().rlimits().entrySet().stream()
            .map(e -> e.getKey() + "=" + (e.getValue() == Resources.UNLIMITED ? "unlimited" : e.getValue()))
            .toList();
    }

    private static byte[][] strings(Launch launch, CgroupPlan cgroup, List<String> rlimits, List<String> mounts) {
        IsolationRequest iso = launch.isolation();
        List<String> v1 = cgroup != null ? cgroup.v1Directories() : List.of();
        List<String> settings = cgroup != null ? cgroup.settings() : List.of();
        int n = 6 + v1.size() + settings.size() + rlimits.size() + mounts.size() + launch.argv().size()
            + launch.env().size();
        byte[][] s = new byte[n][];
        int i = 0;
        s[i++] = bytes(launch.path(), "executable");
        s[i++] = bytes(launch.cwd() == null ? "" : launch.cwd(), "working directory");
        s[i++] = bytes(iso.has(Namespace.UNAME) && iso.hostname() != null ? iso.hostname() : "", "hostname");
        s[i++] = bytes(launch.title(), "title");
        s[i++] = bytes(cgroup != null ? cgroup.parent() : "", "cgroup path");
        s[i++] = bytes(launch.filesystem().rootfs().orElse(""), "rootfs");
        for (String d : v1) {
            s[i++] = bytes(d, "cgroup path");
        }
        for (String setting : settings) {
            s[i++] = bytes(setting, "cgroup setting");
        }
        for (String r : rlimits) {
            s[i++] = bytes(r, "rlimit");
        }
        for (String m : mounts) {
            s[i++] = bytes(m, "mount");
        }
        for (String a : launch.argv()) {
            s[i++] = bytes(a, "argument");
        }
        for (String e : launch.env()) {
            s[i++] = bytes(e, "environment");
        }
        return s;
    }

    private static byte[] bytes(String s, String field) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " \"" + s.replace("\0", "\\0") + "\": must not contain NUL");
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
