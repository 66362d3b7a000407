package io.corral.spawner;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Filesystem} as the spawn server makes it: the mounts in order
 * (automount's proc and tmp first, as Unit makes them), each as the three
 * strings kind, source and destination of the SPAWN request.
 */
final class Mounts {

    /** The spawn server's limit (MAX_MOUNTS). */
    static final int MAX_MOUNTS = 64;

    private Mounts() {
    }

    /** Refuses what the server would fail at, before anything is created. */
    static void check(Filesystem fs, IsolationRequest isolation) throws IsolationException {
        if (fs.isDefault()) {
            return;
        }
        if (!isolation.has(Namespace.MOUNT)) {
            throw new IsolationException("validate", "a rootfs or mounts require the \"mount\" namespace");
        }
        int count = strings(fs).size() / 3;
        if (count > MAX_MOUNTS) {
            throw new IsolationException("validate", count + " mounts: at most " + MAX_MOUNTS + " a process");
        }
        if (fs.rootfs().isPresent() && !Files.isDirectory(Path.of(fs.rootfs().get()))) {
            throw new IsolationException("validate", "rootfs \"" + fs.rootfs().get() + "\": no such directory");
        }
        for (Filesystem.Mount m : fs.mounts()) {
            if (m.source().isPresent() && !Files.exists(Path.of(m.source().get()))) {
                throw new IsolationException("validate", "bind mount source \"" + m.source().get()
                    + "\": no such file or directory");
            }
            if (("/" + m.destination() + "/").contains("/../")) {
                throw new IsolationException("validate", "mount destination \"" + m.destination()
                    + "\": must not contain \"..\"");
            }
        }
    }

    /** The request's mount strings: kind, source ("" when none), destination, for each mount. */
    static List<String> strings(Filesystem fs) {
        List<String> s = new ArrayList<>();
        if (fs.procfs() && fs.rootfs().isPresent()) {
            add(s, "proc", "", "/proc");
        }
        if (fs.tmpfs()) {
            add(s, "tmpfs", "", "/tmp");
        }
        for (Filesystem.Mount m : fs.mounts()) {
            String kind = switch (m.type()) {
                case BIND -> m.readOnly() ? "ro-bind" : "bind";
                case TMPFS -> "tmpfs";
                case PROC -> "proc";
                case DEV -> "dev";
            };
            add(s, kind, m.source().orElse(""), m.destination());
        }
        return s;
    }

    private static void add(List<String> s, String kind, String source, String destination) {
        s.add(kind);
        s.add(source);
        s.add(destination);
    }
}
