package io.corral.spawner;

import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The host's cgroups as one provider uses them. Every process gets a cgroup
 * of its own in the provider's directory of the cgroup v2 hierarchy,
 * {@code <the JVM's cgroup>/corral-<instance>-<JVM pid>/<platform>}: the
 * spawn server makes it, kills what is left in it, and removes it. Limits go
 * to the v2 controllers where the host has them there, else to the v1
 * memory, pids and cpu hierarchies of a hybrid host, in a directory of the
 * same name under the JVM's cgroup there.
 */
final class Cgroups {

    /** A hierarchy that is mounted, and the JVM's cgroup in it. */
    private record Hierarchy(Path mount, String own) {
        Path jvmDirectory() {
            return own.equals("/") ? mount : mount.resolve(own.substring(1));
        }

        Path resolve(String cgroup) {
            return cgroup.equals("/") ? mount : mount.resolve(cgroup.substring(1));
        }
    }

    /** Where a limit is written: the controller's hierarchy (0 = v2) and files. */
    private record Controller(String name, int hierarchy, Path directory) {
    }

    private static final List<String> LIMIT_CONTROLLERS = List.of("memory", "pids", "cpu");

    private final Path directory;
    private final String unavailable;
    private final Hierarchy v2;
    private final Map<String, Hierarchy> v1;
    private final Map<String, Controller> controllers = new LinkedHashMap<>();
    private final Map<String, String> controllerMissing = new LinkedHashMap<>();

    private Cgroups(Path directory, String unavailable, Hierarchy v2, Map<String, Hierarchy> v1) {
        this.directory = directory;
        this.unavailable = unavailable;
        this.v2 = v2;
        this.v1 = v1;
    }

    /**
     * Finds the hierarchies, sweeps what an earlier, dead JVM of the same
     * instance left, and makes this provider's directory. Never fails: what
     * is missing is reported by {@link #features()} and refused by
     * {@link #check}.
     */
    static Cgroups open(String instance, String platform) {
        Map<String, Hierarchy> v1 = new LinkedHashMap<>();
        Hierarchy v2 = null;
        try {
            Map<String, String> own = ownCgroups();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                String[] f = line.split(" ");
                if (dash < 0 || f.length < 5) {
                    continue;
                }
                String[] tail = line.substring(dash + 3).split(" ");
                Path mount = Path.of(unescape(f[4]));
                if (tail[0].equals("cgroup2") && v2 == null && own.containsKey("")) {
                    v2 = new Hierarchy(mount, own.get(""));
                } else if (tail[0].equals("cgroup") && tail.length >= 3) {
                    for (String option : tail[2].split(",")) {
                        if (LIMIT_CONTROLLERS.contains(option) && own.containsKey(option)) {
                            v1.putIfAbsent(option, new Hierarchy(mount, own.get(option)));
                        }
                    }
                }
            }
        } catch (IOException e) {
            return new Cgroups(null, "reading /proc/self/mountinfo: " + e.getMessage(), null, Map.of());
        }
        if (v2 == null) {
            return new Cgroups(null, "no cgroup v2 hierarchy is mounted", null, v1);
        }
        String name = "corral-" + instance + "-" + ProcessHandle.current().pid();
        Path instanceDir = v2.jvmDirectory().resolve(name);
        Path dir = instanceDir.resolve(platform);
        sweepStale(v2.jvmDirectory(), instance);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            return new Cgroups(null, "cannot make a cgroup in " + v2.jvmDirectory() + " (" + reason(e)
                + "); an unprivileged JVM needs a delegated cgroup", v2, v1);
        }
        if (!Files.isWritable(dir.resolve("cgroup.kill"))) {
            return new Cgroups(null, "no cgroup.kill in " + dir + " (Linux 5.14+ is needed)", v2, v1);
        }
        Cgroups c = new Cgroups(dir, null, v2, v1);
        c.findControllers(name, platform);
        return c;
    }

    /** The controllers for limits: v2 where enabled down to our directory, else v1. */
    private void findControllers(String name, String platform) {
        List<String> v2Enabled = enableV2Controllers();
        for (String controller : LIMIT_CONTROLLERS) {
            if (v2Enabled.contains(controller)) {
                controllers.put(controller, new Controller(controller, 0, directory));
                continue;
            }
            Hierarchy h = v1.get(controller);
            if (h == null) {
                controllerMissing.put(controller, "no " + controller + " controller in the cgroup v2 hierarchy"
                    + " (enabled down to " + directory + ") nor a v1 " + controller + " hierarchy");
                continue;
            }
            Path d = h.jvmDirectory().resolve(name).resolve(platform);
            sweepStale(h.jvmDirectory(), name.substring("corral-".length(), name.lastIndexOf('-')));
            try {
                Files.createDirectories(d);
                controllers.put(controller, new Controller(controller, -1, d));
            } catch (IOException e) {
                controllerMissing.put(controller, "cannot make a cgroup in the v1 " + controller + " hierarchy at "
                    + h.jvmDirectory() + " (" + reason(e) + ")");
            }
        }
    }

    /**
     * Enables memory, pids and cpu in each subtree_control from the JVM's
     * cgroup down to our directory, where the hierarchy offers them. The
     * kernel refuses that for a cgroup that holds processes (other than the
     * root): then the JVM first moves into a leaf of its own beside ours.
     */
    private List<String> enableV2Controllers() {
        List<String> offered = new ArrayList<>();
        try {
            for (String c : Files.readString(v2.jvmDirectory().resolve("cgroup.controllers")).trim().split(" ")) {
                if (LIMIT_CONTROLLERS.contains(c)) {
                    offered.add(c);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        if (offered.isEmpty()) {
            return List.of();
        }
        String enable = String.join(" ", offered.stream().map(c -> "+" + c).toList());
        Path jvm = v2.jvmDirectory();
        try {
            write(jvm.resolve("cgroup.subtree_control"), enable);
        } catch (IOException busy) {
            try {
                Path leaf = directory.getParent().resolveSibling(directory.getParent().getFileName() + ".jvm");
                Files.createDirectories(leaf);
                write(leaf.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
                write(jvm.resolve("cgroup.subtree_control"), enable);
            } catch (IOException e) {
                return List.of();
            }
        }
        try {
            write(directory.getParent().resolve("cgroup.subtree_control"), enable);
            write(directory.resolve("cgroup.subtree_control"), enable);
        } catch (IOException e) {
            return List.of();
        }
        return offered;
    }

    /**
     * Cgroups of JVMs that are gone: an earlier JVM of this instance had
     * whatever it left running killed, and its cgroups removed; another
     * instance's are removed where they are empty (what runs there is not
     * ours to end).
     */
    private static void sweepStale(Path parent, String instance) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, "corral-*-*")) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                String pid = name.substring(name.lastIndexOf('-') + 1);
                if (!pid.matches("[0-9]+") || ProcessHandle.of(Long.parseLong(pid)).isPresent()) {
                    continue;
                }
                if (name.equals("corral-" + instance + "-" + pid)) {
                    try {
                        write(d.resolve("cgroup.kill"), "1");
                    } catch (IOException e) {
                        // a v1 hierarchy, already empty, or an old kernel: the removal says what is left
                    }
                }
                removeTree(d, name.startsWith("corral-" + instance + "-") ? 2000 : 0);
            }
        } catch (IOException e) {
            // nothing to sweep
        }
    }

    /** Removes an empty cgroup tree, children first, waiting a while for killed processes to go. */
    static void removeTree(Path dir, long waitMillis) {
        long deadline = System.currentTimeMillis() + waitMillis;
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : children) {
                removeTree(child, waitMillis);
            }
        } catch (IOException e) {
            return;
        }
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    return;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * After a spawn server's death, before its successor serves: every
     * cgroup in our directory that holds no process the provider knows (a
     * spawn the server died in, a child it never reported) is killed and
     * removed, so that nothing runs unknown. Returns the pids killed.
     */
    List<Integer> killOrphans(java.util.Set<Integer> known, int newServer) {
        List<Integer> killed = new ArrayList<>();
        if (directory == null) {
            return killed;
        }
        try (DirectoryStream<Path> leaves = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path leaf : leaves) {
                if (leaf.getFileName().toString().startsWith(newServer + "-")) {
                    continue;
                }
                List<Integer> pids = new ArrayList<>();
                try {
                    for (String line : Files.readAllLines(leaf.resolve("cgroup.procs"))) {
                        if (!line.isBlank()) {
                            pids.add(Integer.parseInt(line.trim()));
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (pids.stream().anyMatch(known::contains)) {
                    continue;
                }
                if (!pids.isEmpty()) {
                    try {
                        write(leaf.resolve("cgroup.kill"), "1");
                        killed.addAll(pids);
                    } catch (IOException e) {
                        continue;
                    }
                }
                removeTree(leaf, 1000);
            }
        } catch (IOException e) {
            // no directory: nothing to find
        }
        return killed;
    }

    /** The spawn server's directory, or null where processes get no cgroup. */
    Path directory() {
        return directory;
    }

    /** After the provider's last server: its v1 directories and whatever the server left. */
    void close() {
        for (Controller c : controllers.values()) {
            if (c.hierarchy() < 0) {
                removeTree(c.directory(), 0);
                removeIfEmpty(c.directory().getParent());
            }
        }
        if (directory != null) {
            removeTree(directory, 0);
            removeIfEmpty(directory.getParent());
        }
    }

    /** The instance's directory, once no provider has one in it. */
    private static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // another provider's directory is still in it
        }
    }

    /** By feature, "yes, ..." or "no: ...", as {@code IsolationProvider.resourceFeatures}. */
    Map<String, String> features() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("tracking", directory != null ? "yes, a cgroup v2 per process in " + directory : "no: " + unavailable);
        for (String c : LIMIT_CONTROLLERS) {
            String key = c + "_max";
            Controller ctl = controllers.get(c);
            if (directory == null) {
                f.put(key, "no: " + unavailable);
            } else if (ctl == null) {
                f.put(key, "no: " + controllerMissing.get(c));
            } else {
                f.put(key, "yes, " + (ctl.hierarchy() == 0 ? "cgroup v2" : "cgroup v1 in " + ctl.directory()));
            }
        }
        f.put("rlimits", "yes, setrlimit in the child");
        f.put("cgroup_path", directory != null ? "yes, relative to " + directory + " or absolute from "
            + v2.mount() : "no: " + unavailable);
        return f;
    }

    /** Refuses a limit this host cannot enforce, and Unit's invalid cgroup paths. */
    void check(Resources r) throws IsolationException {
        if (r.isDefault()) {
            return; // every spawn passes here
        }
        if (r.cgroupPath().isPresent()) {
            String path = r.cgroupPath().get();
            if (path.isEmpty() || ("/" + path + "/").contains("/../")) {
                throw new IsolationException("validate", "The cgroup path \"" + path + "\" is invalid.");
            }
            if (path.getBytes(StandardCharsets.UTF_8).length >= 4095 - "/sys/fs/cgroup".length() - 1) {
                throw new IsolationException("validate", "The cgroup path \"" + path + "\" is too long.");
            }
        }
        refuseUnless(r.cgroupPath().isPresent(), "cgroup path", "cgroup_path");
        refuseUnless(r.memoryMax().isPresent(), "memory_max", "memory_max");
        refuseUnless(r.pidsMax().isPresent(), "pids_max", "pids_max");
        refuseUnless(r.cpuMax().isPresent(), "cpu_max", "cpu_max");
    }

    private void refuseUnless(boolean asked, String what, String feature) throws IsolationException {
        if (!asked) {
            return;
        }
        String f = features().get(feature);
        if (f.startsWith("no: ")) {
            throw new IsolationException("validate", what + " cannot be enforced on this host: " + f.substring(4));
        }
    }

    /** What the spawn server does for these resources; null: no cgroup at all. */
    CgroupPlan plan(Resources r) {
        if (directory == null) {
            return null;
        }
        if (!r.limitsCgroup() && r.cgroupPath().isEmpty()) {
            return CgroupPlan.PLAIN;
        }
        String parent = r.cgroupPath().map(p -> p.startsWith("/") ? v2.resolve(p) : directory.resolve(p))
            .map(Path::normalize).map(Path::toString).orElse("");
        List<String> v1Dirs = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        r.memoryMax().ifPresent(bytes -> {
            int h = hierarchy("memory", v1Dirs);
            if (h == 0) {
                settings.add("0:memory.max=" + bytes);
            } else {
                settings.add(h + ":memory.limit_in_bytes=" + bytes);
                // With swap accounting, swap must not let the process past its limit.
                if (Files.exists(controllers.get("memory").directory().resolve("memory.memsw.limit_in_bytes"))) {
                    settings.add(h + ":memory.memsw.limit_in_bytes=" + bytes);
                }
            }
        });
        r.pidsMax().ifPresent(n -> settings.add(hierarchy("pids", v1Dirs) + ":pids.max=" + n));
        r.cpuMax().ifPresent(cpus -> {
            long quota = Math.max(1000, Math.round(cpus * 100_000));
            int h = hierarchy("cpu", v1Dirs);
            if (h == 0) {
                settings.add("0:cpu.max=" + quota + " 100000");
            } else {
                settings.add(h + ":cpu.cfs_period_us=100000");
                settings.add(h + ":cpu.cfs_quota_us=" + quota);
            }
        });
        return new CgroupPlan(parent, v1Dirs, settings);
    }

    /** The plan's index of a controller's hierarchy: 0 for v2, else its v1 directory's place (from 1). */
    private int hierarchy(String controller, List<String> v1Dirs) {
        Controller c = controllers.get(controller);
        if (c.hierarchy() == 0) {
            return 0;
        }
        String d = c.directory().toString();
        int i = v1Dirs.indexOf(d);
        if (i < 0) {
            v1Dirs.add(d);
            i = v1Dirs.size() - 1;
        }
        return i + 1;
    }

    /** A live process's cgroup: processes, memory and OOM kills; empty when it has none of ours. */
    Optional<ResourceUsage> usage(int pid) {
        if (directory == null) {
            return Optional.empty();
        }
        Map<String, String> cgroups;
        try {
            cgroups = cgroupsOf("/proc/" + pid + "/cgroup");
        } catch (IOException e) {
            return Optional.empty();
        }
        String path = cgroups.get("");
        if (path == null) {
            return Optional.empty();
        }
        Path dir = v2.resolve(path);
        int processes;
        try {
            processes = (int) Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank())
                .count();
        } catch (IOException e) {
            return Optional.empty();
        }
        long current = -1;
        long max = -1;
        long oom = -1;
        Controller memory = controllers.get("memory");
        if (memory != null && memory.hierarchy() == 0) {
            current = readLong(dir.resolve("memory.current"));
            max = readLong(dir.resolve("memory.max"));
            oom = readKey(dir.resolve("memory.events"), "oom_kill");
        } else if (memory != null && cgroups.containsKey("memory")) {
            Hierarchy h = v1.get("memory");
            Path m = h.resolve(cgroups.get("memory"));
            // Only a cgroup of its own says something about this process, not the JVM's.
            if (m.startsWith(memory.directory())) {
                current = readLong(m.resolve("memory.usage_in_bytes"));
                max = readLong(m.resolve("memory.limit_in_bytes"));
                max = max >= (1L << 62) ? -1 : max;
                oom = readKey(m.resolve("memory.oom_control"), "oom_kill");
            }
        }
        return Optional.of(new ResourceUsage(path, processes, current, max, oom));
    }

    private static long readLong(Path file) {
        try {
            String s = Files.readString(file).trim();
            return s.equals("max") ? -1 : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static long readKey(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key + " ")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return -1;
    }

    /** The JVM's cgroups: "" for v2, else by v1 controller. */
    private static Map<String, String> ownCgroups() throws IOException {
        return cgroupsOf("/proc/self/cgroup");
    }

    private static Map<String, String> cgroupsOf(String file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(file))) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                m.put("", f[2]);
            } else {
                for (String c : f[1].split(",")) {
                    m.put(c, f[2]);
                }
            }
        }
        return m;
    }

    /** The instance's name in cgroup paths: a short hash of its base directory. */
    static String instanceName(String base) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(base.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName().replace("Exception", "").toLowerCase(Locale.ROOT)
            .replace("accessdenied", "permission denied") + (m != null ? ": " + m : "");
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
