package io.corral.api.isolation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What one process may use, and where it is accounted: limits written to its
 * cgroup (memory, process count, CPU), resource limits set in the child
 * (setrlimit), and the cgroup it lives under (Unit's
 * {@code isolation.cgroup.path}). Every process gets a cgroup of its own where
 * the host allows it; these only add to it. Immutable; build one with
 * {@link #builder()}. A final class rather than a record, so that another
 * limit is a minor version.
 *
 * @since 2.0
 */
public final class Resources {

    /** The rlimit names, as in {@code prlimit(1)} and {@code RLIMIT_*} without the prefix. */
    public static final List<String> RLIMIT_NAMES = List.of("as", "core", "cpu", "data", "fsize", "locks",
        "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack");

    /** A value of {@link #rlimits()} that means no limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /** No limits, the default cgroup. */
    public static final Resources NONE = builder().build();

    private final long memoryMax;
    private final int pidsMax;
    private final double cpuMax;
    private final Map<String, Long> rlimits;
    private final String cgroupPath;

    private Resources(Builder b) {
        this.memoryMax = b.memoryMax;
        this.pidsMax = b.pidsMax;
        this.cpuMax = b.cpuMax;
        this.rlimits = Collections.unmodifiableMap(new LinkedHashMap<>(b.rlimits));
        this.cgroupPath = b.cgroupPath;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("([0-9]+)([KMGTkmgt]?)");

    /**
     * A size as an operator writes it: {@code 67108864} or {@code 64M}; K, M,
     * G and T are powers of 1024, as in cgroup files.
     *
     * @throws NumberFormatException when the text is not a whole number, optionally with K, M, G or T
     * @throws ArithmeticException   when it is more bytes than a long holds
     */
    public static long parseSize(String text) {
        java.util.regex.Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new NumberFormatException(text);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            // Only digits matched: the number is too large, not malformed.
            throw new ArithmeticException(text);
        }
        int power = m.group(2).isEmpty() ? 0 : "KMGT".indexOf(Character.toUpperCase(m.group(2).charAt(0))) + 1;
        for (int i = 0; i < power; i++) {
            n = Math.multiplyExact(n, 1024L);
        }
        return n;
    }

    /** A builder that starts from these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.memoryMax = memoryMax;
        b.pidsMax = pidsMax;
        b.cpuMax = cpuMax;
        b.rlimits.putAll(rlimits);
        b.cgroupPath = cgroupPath;
        return b;
    }

    /** The most memory the process and its descendants may use, in bytes (cgroup {@code memory.max}). */
    public OptionalLong memoryMax() {
        return memoryMax > 0 ? OptionalLong.of(memoryMax) : OptionalLong.empty();
    }

    /** The most processes (and threads) it and its descendants may have at once ({@code pids.max}). */
    public OptionalInt pidsMax() {
        return pidsMax > 0 ? OptionalInt.of(pidsMax) : OptionalInt.empty();
    }

    /** The CPU time it may use, in CPUs (0.5 = half of one CPU; {@code cpu.max}). */
    public OptionalDouble cpuMax() {
        return cpuMax > 0 ? OptionalDouble.of(cpuMax) : OptionalDouble.empty();
    }

    /** Resource limits by name ({@link #RLIMIT_NAMES}), soft and hard alike; {@link #UNLIMITED} for none. */
    public Map<String, Long> rlimits() {
        return rlimits;
    }

    /**
     * Unit's {@code isolation.cgroup.path}: the cgroup the process's own cgroup
     * is made in; relative to Corral's subtree, or absolute from the root of
     * the cgroup v2 hierarchy. Empty: Corral's subtree.
     */
    public Optional<String> cgroupPath() {
        return Optional.ofNullable(cgroupPath);
    }

    /** Whether any limit is written to a cgroup (memory, pids or CPU). */
    public boolean limitsCgroup() {
        return memoryMax > 0 || pidsMax > 0 || cpuMax > 0;
    }

    /** Whether nothing is asked beyond the default. */
    public boolean isDefault() {
        return !limitsCgroup() && rlimits.isEmpty() && cgroupPath == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Resources r && memoryMax == r.memoryMax && pidsMax == r.pidsMax
            && Double.compare(cpuMax, r.cpuMax) == 0 && rlimits.equals(r.rlimits)
            && Objects.equals(cgroupPath, r.cgroupPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(memoryMax, pidsMax, cpuMax, rlimits, cgroupPath);
    }

    @Override
    public String toString() {
        return "Resources[memoryMax=" + memoryMax + ", pidsMax=" + pidsMax + ", cpuMax=" + cpuMax
            + ", rlimits=" + rlimits + ", cgroupPath=" + cgroupPath + "]";
    }

    /** A mutable builder; every value is checked when it is set, naming the field and the rule. */
    public static final class Builder {
        private long memoryMax;
        private int pidsMax;
        private double cpuMax;
        private final Map<String, Long> rlimits = new LinkedHashMap<>();
        private String cgroupPath;

        private Builder() {
        }

        /** In bytes; at least 1 MiB (the kernel would kill the process at once below that). 0 = no limit. */
        public Builder memoryMax(long bytes) {
            if (bytes != 0 && bytes < 1024 * 1024) {
                throw new IllegalArgumentException("memory_max " + bytes + ": must be at least 1M (1048576 bytes)");
            }
            this.memoryMax = bytes;
            return this;
        }

        /** At least 1; 0 = no limit. */
        public Builder pidsMax(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("pids_max " + count + ": must be a positive number of processes");
            }
            this.pidsMax = count;
            return this;
        }

        /** In CPUs, from 0.01; 0 = no limit. */
        public Builder cpuMax(double cpus) {
            if (cpus != 0 && !(cpus >= 0.01 && cpus <= 1024)) {
                throw new IllegalArgumentException("cpu_max " + cpus + ": must be between 0.01 and 1024 CPUs");
            }
            this.cpuMax = cpus;
            return this;
        }

        /** Soft and hard limit alike; {@link #UNLIMITED} for none. */
        public Builder rlimit(String name, long value) {
            if (!RLIMIT_NAMES.contains(name)) {
                throw new IllegalArgumentException("rlimit \"" + name + "\": unknown; known are "
                    + String.join(", ", RLIMIT_NAMES));
            }
            if (value < 0) {
                throw new IllegalArgumentException("rlimit " + name + " " + value
                    + ": must be a non-negative number or unlimited");
            }
            rlimits.put(name, value);
            return this;
        }

        /** Unit's {@code isolation.cgroup.path}; null for Corral's subtree. Checked by the provider. */
        public Builder cgroupPath(String path) {
            this.cgroupPath = path;
            return this;
        }

        public Resources build() {
            return new Resources(this);
        }
    }
}
