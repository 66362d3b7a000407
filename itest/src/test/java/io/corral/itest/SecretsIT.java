package io.corral.itest;

import static io.corral.itest.CommandLineIT.corral;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.corral.itest.CommandLineIT.Result;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * An application's environment holds secrets (a database password): no
 * other user may read it anywhere under the instance, whatever the umask
 * the operator started it with. ConfigAdmin keeps a copy in the framework's
 * storage, the application prints it to its log.
 */
public class SecretsIT {

    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    /** bin/corral under the loosest umask there is. */
    private static final List<String> UMASK_000 = List.of("sh", "-c", "umask 000 && exec \"$0\" \"$@\"");

    private static Result asNobody(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(NOBODY);
        cmd.addAll(List.of(command));
        File out = File.createTempFile("nobody", ".out");
        File err = File.createTempFile("nobody", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    }

    /** The files under {@code base} that hold {@code text}, as the owner (root) finds them. */
    private static List<Path> holding(Path base, String text) throws Exception {
        try (Stream<Path> all = Files.walk(base)) {
            return all.filter(Files::isRegularFile).filter(f -> {
                try {
                    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text);
                } catch (Exception e) {
                    return false; // a socket, or gone meanwhile
                }
            }).toList();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    public void anApplicationsSecretIsReadableByNoOtherUserAnywhereUnderTheInstance() throws Exception {
        String secret = "corral-secret-" + System.nanoTime();
        String canary = "corral-canary-" + System.nanoTime();
        Set<PosixFilePermission> open = PosixFilePermissions.fromString("rwxr-xr-x");
        Path base = Files.createTempDirectory("corral-secrets");
        Files.setPosixFilePermissions(base, open);
        Path etc = Files.createDirectory(base.resolve("etc"));
        Files.setPosixFilePermissions(etc, open);
        // The operator keeps the document private; everything Corral makes from it is Corral's to keep so.
        Path document = etc.resolve("corral.json");
        Files.writeString(document, "{\"applications\": {\"db\": {\"type\": \"external\", \"executable\": \"/bin/sh\","
            + " \"arguments\": [\"-c\", \"env; exec sleep 60\"], \"environment\": {\"DB_PASSWORD\": \"" + secret
            + "\"}}}}");
        Files.setPosixFilePermissions(document, PosixFilePermissions.fromString("rw-------"));
        // What another user may read: the search below must find it, or finding nothing proves nothing.
        Path readme = Files.writeString(etc.resolve("README"), canary + "\n");
        Files.setPosixFilePermissions(readme, PosixFilePermissions.fromString("rw-r--r--"));

        String b = base.toString();
        Result start = corral(UMASK_000, "--base", b, "start");
        assertEquals(start.err(), 0, start.status());
        try {
            Procs.waitUntil("the secret is in ConfigAdmin's storage and in the application's log", 30_000, () -> {
                try {
                    List<Path> found = holding(base, secret);
                    return found.contains(base.resolve("log/db.log"))
                        && found.stream().anyMatch(f -> f.startsWith(base.resolve("run")));
                } catch (Exception e) {
                    return false;
                }
            });

            Result search = asNobody("grep", "-r", "-l", "-e", secret, "-e", canary, b);
            assertEquals("another user finds the canary and nothing else: " + search.err(),
                List.of(readme.toString()), search.out().lines().toList());

            // Nor through the logs: none of them opens for another user.
            try (Stream<Path> logs = Files.list(base.resolve("log"))) {
                for (Path log : logs.filter(Files::isRegularFile).toList()) {
                    assertNotEquals(log + " is " + mode(log), 0, asNobody("cat", log.toString()).status());
                    assertTrue(log + " is " + mode(log), PosixFilePermissions.fromString("rw-r-----")
                        .containsAll(Files.getPosixFilePermissions(log)));
                }
            }
            assertEquals("rwx------", mode(base.resolve("run")));
            assertEquals("rw-------", mode(base.resolve("run/corral.pid")));
            assertEquals("rwxr-x---", mode(base.resolve("log")));
            assertEquals("rw-r-----", mode(base.resolve("log/corral.log")));
            assertEquals("rw-r-----", mode(base.resolve("log/stderr.log")));
        } finally {
            Result stop = corral("--base", b, "stop");
            assertEquals(stop.err(), 0, stop.status());
        }
    }
}
