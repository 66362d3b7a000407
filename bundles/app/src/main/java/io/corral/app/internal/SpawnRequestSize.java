package io.corral.app.internal;

import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Filesystem;
import io.corral.api.process.SpawnSpec;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Whether an application's strings fit the request that spawns its
 * processes: one datagram to the spawn server, and execve's limit on each
 * string. Checked when a document is validated, so that a document whose
 * processes could never start is refused instead of replacing the running
 * one and crash-looping.
 */
final class SpawnRequestSize {

    /** One datagram to the spawn server (docs/spawnd-protocol.md, "Wire format"). */
    static final int DATAGRAM_BYTES = 262_144;
    /**
     * What a request may hold besides the application's own strings, counted
     * at its largest: the 68-byte header, 1024 supplementary gids (4 KiB),
     * two id maps of 340 lines (8 KiB), the resolved path and the cgroup
     * directory (4 KiB each, PATH_MAX), 8 cgroup v1 directories (32 KiB), 16
     * cgroup settings and 16 rlimits (2 KiB), and the variables that spawn
     * participants add (the rest).
     */
    static final int RESERVED_BYTES = 64 * 1024;
    static final int BUDGET_BYTES = DATAGRAM_BYTES - RESERVED_BYTES;
    /** The kernel's limit on one argument or environment string, its NUL included (MAX_ARG_STRLEN). */
    static final int MAX_STRING_BYTES = 131_072;

    private SpawnRequestSize() {
    }

    /**
     * @param at   where the application is in the document, e.g. {@code applications/web}
     * @param spec its processes' spec, with the environment Corral adds
     */
    static void check(String at, SpawnSpec spec) throws ConfigurationException {
        long total = string(at + "/executable", "The \"executable\" value", spec.executable());
        for (int i = 0; i < spec.arguments().size(); i++) {
            total += string(at + "/arguments/" + i, "An argument", spec.arguments().get(i));
        }
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            total += string(at + "/environment/" + e.getKey(), "The environment variable " + e.getKey()
                + " (as NAME=VALUE)", e.getKey() + "=" + e.getValue());
        }
        total += bytes(spec.workingDirectory() == null ? "" : spec.workingDirectory());
        total += bytes("corral: " + spec.name());
        total += filesystem(spec.filesystem());
        if (total > BUDGET_BYTES) {
            throw new ConfigurationException(at, "The \"arguments\", \"environment\" and \"mounts\" must fit a"
                + " spawn request: with the executable, \"working_directory\" and \"rootfs\" at most " + BUDGET_BYTES
                + " bytes (" + BUDGET_BYTES / 1024 + " KiB) together, each string counted with its NUL. Got " + total
                + " bytes.");
        }
    }

    /** The root and each mount as the request carries them: its type, its source and its destination. */
    private static long filesystem(Filesystem fs) {
        long n = bytes(fs.rootfs().orElse(""));
        for (Filesystem.Mount m : fs.mounts()) {
            n += bytes(m.type().name()) + bytes(m.source().orElse("")) + bytes(m.destination());
        }
        return n;
    }

    /** The string's bytes in the request, refused beyond what execve takes. */
    private static long string(String at, String what, String s) throws ConfigurationException {
        long n = bytes(s);
        if (n > MAX_STRING_BYTES) {
            throw new ConfigurationException(at, what + " must not be longer than " + (MAX_STRING_BYTES - 1)
                + " bytes (the kernel's MAX_ARG_STRLEN). Got " + (n - 1) + " bytes.");
        }
        return n;
    }

    /** UTF-8 bytes and the NUL. */
    private static long bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length + 1L;
    }
}
