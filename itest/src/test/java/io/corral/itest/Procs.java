package io.corral.itest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What /proc says about processes, for assertions about children, zombies and descriptors. */
final class Procs {

    private Procs() {
    }

    static int self() {
        return (int) ProcessHandle.current().pid();
    }

    /** Pids whose parent is {@code parent}. */
    static List<Integer> children(int parent) {
        List<Integer> result = new ArrayList<>();
        for (int pid : all()) {
            String stat = stat(pid);
            if (stat != null && ppid(stat) == parent) {
                result.add(pid);
            }
        }
        return result;
    }

    /** Zombies among the children of {@code parent}. */
    static List<Integer> zombies(int parent) {
        List<Integer> result = new ArrayList<>();
        for (int pid : children(parent)) {
            String stat = stat(pid);
            if (stat != null && state(stat) == 'Z') {
                result.add(pid);
            }
        }
        return result;
    }

    /** Children of {@code parent} whose command line contains {@code text}. */
    static List<Integer> childrenRunning(int parent, String text) {
        return children(parent).stream().filter(p -> cmdline(p).contains(text)).toList();
    }

    /** Running sleep(1) processes whose only argument is {@code duration}. */
    static List<Integer> sleeping(String duration) {
        return all().stream().filter(p -> {
            String c = cmdline(p).trim();
            return (c.equals("/bin/sleep " + duration) || c.equals("sleep " + duration)) && alive(p);
        }).toList();
    }

    static List<Integer> running(String text) {
        return all().stream().filter(p -> cmdline(p).contains(text)).toList();
    }

    /** The session {@code pid} belongs to (field 6 of /proc/PID/stat), or -1 when it is gone. */
    static int session(int pid) {
        String stat = stat(pid);
        return stat == null ? -1 : Integer.parseInt(fields(stat)[3]);
    }

    /** The device number of {@code pid}'s controlling terminal (field 7), 0 when it has none, -1 when it is gone. */
    static int controllingTerminal(int pid) {
        String stat = stat(pid);
        return stat == null ? -1 : Integer.parseInt(fields(stat)[4]);
    }

    static boolean alive(int pid) {
        String stat = stat(pid);
        return stat != null && state(stat) != 'Z';
    }

    static int descriptors(int pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    static int threads() {
        return Thread.getAllStackTraces().size();
    }

    static String status(int pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim().replaceAll("\\s+", " ");
            }
        }
        return null;
    }

    static String cmdline(int pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** A file's text once a line of it is complete (a process writes it), waiting up to {@code millis}. */
    static String awaitLine(Path file, long millis) throws InterruptedException, IOException {
        waitUntil("a line in " + file, millis, () -> {
            try {
                return Files.readString(file).endsWith("\n");
            } catch (IOException e) {
                return false;
            }
        });
        return Files.readString(file);
    }

    /** The parent of a process, or -1 when it is gone. */
    static int parent(int pid) {
        String stat = stat(pid);
        return stat == null ? -1 : ppid(stat);
    }

    /** The directory of a process's cgroup v2 ("0::" in /proc/PID/cgroup), or null. */
    static Path cgroupDir(int pid) {
        try {
            String own = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().map(l -> l.substring(3)).orElse(null);
            String mount = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" - cgroup2 ")).map(l -> l.split(" ")[4]).findFirst().orElse(null);
            return own == null || mount == null ? null : Path.of(mount + (own.equals("/") ? "" : own));
        } catch (IOException e) {
            return null;
        }
    }

    /** The cgroups below a directory. */
    static List<Path> subgroups(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<Integer> all() {
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                .forEach(n -> pids.add(Integer.parseInt(n)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    private static String stat(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null;
        }
    }

    // The command name may hold spaces and parentheses: the fields start after the last ')',
    // with the state (field 3) first.
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static int ppid(String stat) {
        return Integer.parseInt(fields(stat)[1]);
    }

    private static char state(String stat) {
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** SIGKILL to one pid, as kill(1) sends it: the tests clean up by pid, never by name. */
    static void kill9(int pid) throws Exception {
        new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
    }

    static void waitUntil(String what, long millis, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out after " + millis + " ms waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
