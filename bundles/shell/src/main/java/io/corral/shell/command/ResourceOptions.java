package io.corral.shell.command;

import io.corral.api.isolation.Resources;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * {@code corral:spawn}'s limits: {@code --memory-max}, {@code --pids-max},
 * {@code --cpu-max}, {@code --rlimit NAME=VALUE} and {@code --cgroup}, into
 * one {@link Resources}. Each value is checked here, so that a mistake names
 * the option as the operator typed it and nothing is spawned.
 */
final class ResourceOptions {

    /** The smallest memory limit Resources takes: below it the kernel would kill the process at once. */
    static final long MEMORY_MIN = 1024 * 1024;
    static final double CPU_MIN = 0.01;
    static final double CPU_MAX = 1024;
    /** Unit's limit: the path under /sys/fs/cgroup must fit in PATH_MAX (4095 - strlen("/sys/fs/cgroup") - 1). */
    static final int CGROUP_PATH_MAX = 4080;

    private final Args args;
    private final Resources.Builder resources = Resources.builder();

    ResourceOptions(Args args) {
        this.args = args;
    }

    /** Reads the option's value if it is one of these options; false when it is not. */
    boolean take(String option) {
        switch (option) {
            case "--memory-max" -> memoryMax(option, args.value(option, "a size, e.g. 64M"));
            case "--pids-max" -> pidsMax(option, args.value(option, "a number of processes"));
            case "--cpu-max" -> cpuMax(option, args.value(option, "a number of CPUs, e.g. 0.5"));
            case "--rlimit" -> rlimit(option, args.value(option, "NAME=VALUE, e.g. nofile=1024"));
            case "--cgroup" -> cgroup(option, args.value(option, "a cgroup path"));
            default -> {
                return false;
            }
        }
        return true;
    }

    Resources build() {
        return resources.build();
    }

    private void memoryMax(String option, String value) {
        long bytes;
        try {
            bytes = Resources.parseSize(value);
        } catch (NumberFormatException e) {
            throw bad(option, value, "expected bytes, or a whole number with K, M, G or T (powers of 1024),"
                + " e.g. 64M");
        } catch (ArithmeticException e) {
            throw bad(option, value, "must be at most " + Long.MAX_VALUE + " bytes");
        }
        if (bytes < MEMORY_MIN) {
            throw bad(option, value, "must be at least 1M (" + MEMORY_MIN + " bytes)");
        }
        resources.memoryMax(bytes);
    }

    private void pidsMax(String option, String value) {
        int count;
        try {
            count = value.matches("[0-9]+") ? Integer.parseInt(value) : 0;
        } catch (NumberFormatException e) {
            count = 0;
        }
        if (count < 1) {
            throw bad(option, value, "must be a whole number from 1 to " + Integer.MAX_VALUE);
        }
        resources.pidsMax(count);
    }

    private void cpuMax(String option, String value) {
        // Digits only: Double.parseDouble would also take NaN, Infinity, 1e3 and hexadecimal.
        double cpus = value.matches("[0-9]{1,9}(\\.[0-9]{1,9})?") ? Double.parseDouble(value) : 0;
        if (!(cpus >= CPU_MIN && cpus <= CPU_MAX)) {
            throw bad(option, value, "must be a number of CPUs from 0.01 to 1024, e.g. 0.5");
        }
        resources.cpuMax(cpus);
    }

    private void rlimit(String option, String value) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw bad(option, value, "expected NAME=VALUE, e.g. nofile=1024");
        }
        String name = value.substring(0, eq);
        String limit = value.substring(eq + 1);
        if (!Resources.RLIMIT_NAMES.contains(name)) {
            throw bad(option, value, "unknown limit \"" + name + "\"; known are "
                + String.join(", ", Resources.RLIMIT_NAMES));
        }
        long n;
        if (limit.equals("unlimited")) {
            n = Resources.UNLIMITED;
        } else if (limit.matches("[0-9]+")
                && new BigInteger(limit).compareTo(BigInteger.valueOf(Long.MAX_VALUE)) <= 0) {
            n = Long.parseLong(limit);
        } else {
            throw bad(option, value, "the value must be a whole number from 0 to " + Long.MAX_VALUE
                + ", or unlimited");
        }
        resources.rlimit(name, n);
    }

    /** Unit's rule for isolation.cgroup.path: not empty, no ".." component, and short enough. */
    private void cgroup(String option, String value) {
        if (value.getBytes(StandardCharsets.UTF_8).length > CGROUP_PATH_MAX) {
            throw bad(option, value, "must be at most " + CGROUP_PATH_MAX + " bytes long");
        }
        if (value.isEmpty() || ("/" + value + "/").contains("/../")) {
            throw bad(option, value, "must not be empty nor have a \"..\" component");
        }
        resources.cgroupPath(value);
    }

    private IllegalArgumentException bad(String option, String value, String rule) {
        return args.error(option + " \"" + value + "\": " + rule);
    }
}
