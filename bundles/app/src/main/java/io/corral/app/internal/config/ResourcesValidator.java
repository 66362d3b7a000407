package io.corral.app.internal.config;

import static io.corral.app.internal.config.DocumentValidator.got;
import static io.corral.app.internal.config.DocumentValidator.type;
import static io.corral.app.internal.config.DocumentValidator.unknown;

import com.google.gson.JsonElement;
import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Resources;
import io.corral.app.internal.config.DocumentValidator.Kind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An application's {@code "resources"} (Corral's: memory, process and CPU
 * limits of its cgroup, rlimits) and Unit's {@code "isolation": {"cgroup":
 * {"path"}}}, in DocumentValidator's style: the location, then a sentence
 * naming the field and the rule, then the value where the sentence does not
 * show it.
 */
final class ResourcesValidator {

    /** The smallest memory limit Resources takes: below it the kernel would kill the process at once. */
    static final long MEMORY_MIN = 1024 * 1024;
    static final BigDecimal CPU_MIN = new BigDecimal("0.01");
    static final BigDecimal CPU_MAX = new BigDecimal("1024");
    /** Unit's limit, NXT_MAX_PATH_LEN - strlen(NXT_CGROUP_ROOT) - 1: the path under /sys/fs/cgroup fits PATH_MAX. */
    static final int CGROUP_PATH_MAX = 4080;

    private ResourcesValidator() {
    }

    /** {@code "resources": {"memory_max", "pids_max", "cpu_max", "rlimits"}}; the cgroup path is isolation's. */
    static Resources resources(String at, JsonElement v) throws ConfigurationException {
        type(at, "resources", v, Kind.OBJECT);
        Resources.Builder b = Resources.builder();
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String here = at + "/" + m.getKey();
            switch (m.getKey()) {
                case "memory_max" -> b.memoryMax(memoryMax(here, m.getValue()));
                case "pids_max" -> b.pidsMax(pidsMax(here, m.getValue()));
                case "cpu_max" -> b.cpuMax(cpuMax(here, m.getValue()));
                case "rlimits" -> rlimits(here, m.getValue(), b);
                default -> throw new ConfigurationException(at, unknown(m.getKey()));
            }
        }
        return b.build();
    }

    /** A number of bytes, or a string such as "64M". */
    private static long memoryMax(String at, JsonElement v) throws ConfigurationException {
        type(at, "memory_max", v, Kind.INTEGER, Kind.STRING);
        String shown;
        BigInteger bytes;
        if (Kind.of(v) == Kind.INTEGER) {
            bytes = v.getAsBigInteger();
            shown = bytes.toString();
        } else {
            shown = "\"" + v.getAsString() + "\"";
            try {
                bytes = BigInteger.valueOf(Resources.parseSize(v.getAsString()));
            } catch (NumberFormatException e) {
                throw new ConfigurationException(at, "The \"memory_max\" value must be a number of bytes, or a string"
                    + " of a whole number with K, M, G or T (powers of 1024) such as \"64M\". Got " + shown + ".");
            } catch (ArithmeticException e) {
                bytes = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE);
            }
        }
        if (bytes.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
            throw new ConfigurationException(at, "The \"memory_max\" value must not exceed " + Long.MAX_VALUE
                + " bytes. Got " + shown + ".");
        }
        if (bytes.compareTo(BigInteger.valueOf(MEMORY_MIN)) < 0) {
            throw new ConfigurationException(at, "The \"memory_max\" value must be at least 1M (" + MEMORY_MIN
                + " bytes). Got " + shown + ".");
        }
        return bytes.longValue();
    }

    private static int pidsMax(String at, JsonElement v) throws ConfigurationException {
        type(at, "pids_max", v, Kind.INTEGER);
        BigInteger n = v.getAsBigInteger();
        if (n.compareTo(BigInteger.ONE) < 0) {
            throw new ConfigurationException(at, "The \"pids_max\" number must be equal to or greater than 1."
                + got(n));
        }
        if (n.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new ConfigurationException(at, "The \"pids_max\" number must not exceed " + Integer.MAX_VALUE + "."
                + got(n));
        }
        return n.intValue();
    }

    /** In CPUs: 0.5 is half of one CPU's time. */
    private static double cpuMax(String at, JsonElement v) throws ConfigurationException {
        type(at, "cpu_max", v, Kind.INTEGER, Kind.NUMBER);
        BigDecimal cpus = v.getAsBigDecimal();
        if (cpus.compareTo(CPU_MIN) < 0 || cpus.compareTo(CPU_MAX) > 0) {
            throw new ConfigurationException(at, "The \"cpu_max\" number must be from " + CPU_MIN + " to " + CPU_MAX
                + " CPUs. Got " + cpus.toPlainString() + ".");
        }
        return cpus.doubleValue();
    }

    /** {@code {"nofile": 256, "core": "unlimited"}}: soft and hard limit alike. */
    private static void rlimits(String at, JsonElement v, Resources.Builder b) throws ConfigurationException {
        type(at, "rlimits", v, Kind.OBJECT);
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String name = m.getKey();
            if (!Resources.RLIMIT_NAMES.contains(name)) {
                throw new ConfigurationException(at, unknown(name) + " The \"rlimits\" are "
                    + String.join(", ", Resources.RLIMIT_NAMES) + ".");
            }
            String here = at + "/" + name;
            JsonElement value = m.getValue();
            type(here, name, value, Kind.INTEGER, Kind.STRING);
            if (Kind.of(value) == Kind.STRING && value.getAsString().equals("unlimited")) {
                b.rlimit(name, Resources.UNLIMITED);
                continue;
            }
            BigInteger n = Kind.of(value) == Kind.INTEGER ? value.getAsBigInteger() : null;
            if (n == null || n.signum() < 0 || n.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0) {
                throw new ConfigurationException(here, "The \"" + name + "\" rlimit must be an integer number from 0"
                    + " to " + Long.MAX_VALUE + " or \"unlimited\". Got "
                    + (n == null ? "\"" + value.getAsString() + "\"" : n) + ".");
            }
            b.rlimit(name, n.longValue());
        }
    }

    /** Unit's {@code "cgroup": {"path": "..."}} of {@code "isolation"}, with Unit's sentences. */
    static String cgroupPath(String at, JsonElement v) throws ConfigurationException {
        type(at, "cgroup", v, Kind.OBJECT);
        // As Unit: a required member is looked for before the members are checked.
        JsonElement path = v.getAsJsonObject().get("path");
        if (path == null) {
            throw new ConfigurationException(at, "Required parameter \"path\" is missing.");
        }
        for (String key : v.getAsJsonObject().keySet()) {
            if (!key.equals("path")) {
                throw new ConfigurationException(at, unknown(key));
            }
        }
        String here = at + "/path";
        type(here, "path", path, Kind.STRING);
        String p = path.getAsString();
        if (p.getBytes(StandardCharsets.UTF_8).length > CGROUP_PATH_MAX) {
            throw new ConfigurationException(here, "The cgroup path \"" + p + "\" is too long.");
        }
        if (p.isEmpty() || ("/" + p + "/").contains("/../")) {
            throw new ConfigurationException(here, "The cgroup path \"" + p + "\" is invalid.");
        }
        return p;
    }
}
