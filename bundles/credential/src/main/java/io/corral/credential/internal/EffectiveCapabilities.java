package io.corral.credential.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The effective capability set of this process, from the {@code CapEff} line of
 * {@code /proc/self/status} (Linux). Reading the file needs no native call and
 * no privilege; elsewhere, or when the line is missing, the set is empty.
 */
final class EffectiveCapabilities {

    static final int CAP_SETGID = 6;
    static final int CAP_SETUID = 7;

    private static final Path STATUS = Path.of("/proc/self/status");

    private final long mask;

    private EffectiveCapabilities(long mask) {
        this.mask = mask;
    }

    static EffectiveCapabilities ofThisProcess() {
        try {
            return parse(Files.readAllLines(STATUS));
        } catch (IOException | SecurityException e) {
            // Not Linux, or /proc not mounted: only the effective uid can tell.
            return new EffectiveCapabilities(0);
        }
    }

    /** From the lines of a {@code /proc/PID/status} file; an empty set when {@code CapEff} is missing or garbled. */
    static EffectiveCapabilities parse(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("CapEff:")) {
                try {
                    return new EffectiveCapabilities(Long.parseUnsignedLong(line.substring(7).trim(), 16));
                } catch (NumberFormatException e) {
                    return new EffectiveCapabilities(0);
                }
            }
        }
        return new EffectiveCapabilities(0);
    }

    boolean has(int capability) {
        return (mask & (1L << capability)) != 0;
    }

    /** What Unit's nxt_capability_set asks of a non-root process before it gives children other ids. */
    boolean canSetIds() {
        return has(CAP_SETUID) && has(CAP_SETGID);
    }
}
