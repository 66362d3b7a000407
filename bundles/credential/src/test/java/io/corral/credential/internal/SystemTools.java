package io.corral.credential.internal;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the system's own tools (id, getent, useradd…) as the oracle the service is compared with. */
final class SystemTools {

    private SystemTools() {
    }

    /** What a command printed and how it exited. */
    record Result(int status, String out, String err) {
    }

    static Result run(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        // Account tools live in sbin, which a build's PATH may lack.
        pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
        pb.environment().put("LC_ALL", "C");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8).trim(),
                new String(err, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + Arrays.toString(command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + Arrays.toString(command), e);
        }
    }

    /** The output of a command that must succeed. */
    static String output(String... command) {
        Result r = run(command);
        assertEquals(String.join(" ", command) + " failed: " + r.err(), 0, r.status());
        return r.out();
    }

    /** {@code id OPTIONS USER}: the line it prints. */
    static String id(String option, String user) {
        return option.isEmpty() ? output("id", user) : output("id", option, user);
    }

    /** {@code id -G USER} as numbers, in id(1)'s order. */
    static List<Integer> idGroups(String user) {
        List<Integer> gids = new ArrayList<>();
        for (String g : id("-G", user).split(" ")) {
            gids.add((int) Long.parseLong(g));
        }
        return gids;
    }

    /** One field of {@code getent DATABASE KEY} (0-based), e.g. the home directory is field 5 of passwd. */
    static String getentField(String database, String key, int field) {
        return output("getent", database, key).split(":", -1)[field];
    }

    static boolean isRoot() {
        return "0".equals(output("id", "-u"));
    }
}
