package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Corral in Apache Karaf 4.4, as an operator installs it: Karaf unpacked from
 * its Maven Central tar.gz and started as a server with a data directory of
 * its own, then, through bin/client, {@code feature:repo-add} of the
 * distribution's features.xml, {@code feature:install corral} and a spawn.
 * The feature's bundles come from the repository next to features.xml, not
 * from any other Maven repository, jnr among them as a plain bundle.
 */
public class KarafIT {

    private static final Path ARCHIVE = Path.of(System.getProperty("karaf.archive", "apache-karaf.tar.gz"));
    private static final Path FEATURES = Path.of(System.getProperty("karaf.features", "../distribution/target/karaf"))
        .toAbsolutePath().normalize();

    private Path work;
    private Path home;
    private Path data;
    private int sshPort;
    private Process karaf;

    /** What a command printed (output and errors together) and its exit status. */
    private record Run(int status, String output) {
    }

    @Before
    public void unpackAndStart() throws Exception {
        assertTrue("no Karaf archive at " + ARCHIVE, Files.isRegularFile(ARCHIVE));
        assertTrue("no features.xml in " + FEATURES + ": build the distribution first",
            Files.isRegularFile(FEATURES.resolve("features.xml")));
        work = Path.of("target", "karaf-it").toAbsolutePath();
        delete(work);
        Files.createDirectories(work);
        Run tar = run(List.of("tar", "xzf", ARCHIVE.toString(), "-C", work.toString()), 60);
        assertEquals(tar.output(), 0, tar.status());
        try (Stream<Path> unpacked = Files.list(work)) {
            home = unpacked.filter(p -> p.getFileName().toString().startsWith("apache-karaf")).findFirst()
                .orElseThrow();
        }
        data = Files.createDirectories(work.resolve("data"));
        configure();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server").directory(home.toFile())
            .redirectErrorStream(true).redirectOutput(work.resolve("karaf.out").toFile());
        environment(pb);
        karaf = pb.start();
    }

    /** Free ports, a user for bin/client, Maven resolution from the feature's repository only, a private base. */
    private void configure() throws IOException {
        sshPort = freePort();
        Path etc = home.resolve("etc");
        append(etc.resolve("users.properties"), "karaf = karaf,_g_:admingroup",
            "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh");
        append(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort = " + sshPort);
        append(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort = " + freePort(),
            "rmiServerPort = " + freePort());
        append(etc.resolve("org.ops4j.pax.url.mvn.cfg"),
            "org.ops4j.pax.url.mvn.repositories = " + FEATURES.resolve("repository").toUri() + "@id=corral@snapshots",
            "org.ops4j.pax.url.mvn.localRepository = " + work.resolve("m2"));
        append(etc.resolve("system.properties"), "corral.base = " + work.resolve("base"));
    }

    @After
    public void stop() throws Exception {
        if (karaf != null) {
            // The script's JVM and whatever it started (spawn servers, their children): by pid.
            List<ProcessHandle> all = new ArrayList<>(karaf.toHandle().descendants().toList());
            all.forEach(ProcessHandle::destroy);
            karaf.destroy();
            if (!karaf.waitFor(20, TimeUnit.SECONDS)) {
                all.forEach(ProcessHandle::destroyForcibly);
                karaf.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle h : all) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
        }
        // target/karaf-it stays for a look at data/log/karaf.log; the next run starts afresh.
    }

    @Test
    public void featureInstallCorralThenSpawnPrintsHi() throws Exception {
        awaitShell();
        Run added = client("feature:repo-add " + FEATURES.resolve("features.xml").toUri());
        assertEquals(added.output(), 0, added.status());
        Run installed = client("feature:install corral");
        assertEquals(installed.output(), 0, installed.status());
        // Declarative Services registers the commands once the bundles have started.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Run spawned;
        do {
            spawned = client("corral:spawn --wait /bin/echo hi");
        } while (spawned.output().contains("Command not found") && System.nanoTime() < deadline);
        assertEquals(spawned.output(), 0, spawned.status());
        assertTrue(spawned.output(), spawned.output().lines().anyMatch("hi"::equals));
    }

    /** Until bin/client gets a session and a command runs (a session opened during the boot can hang). */
    private void awaitShell() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Run r;
        do {
            assertTrue("Karaf exited: " + Files.readString(work.resolve("karaf.out")), karaf.isAlive());
            r = run(clientCommand("bundle:list"), 15);
        } while (r.status() != 0 && System.nanoTime() < deadline);
        assertEquals(r.output(), 0, r.status());
    }

    private Run client(String command) throws Exception {
        return run(clientCommand(command), 120);
    }

    private List<String> clientCommand(String command) {
        return List.of(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort), "-u", "karaf", "-p",
            "karaf", command);
    }

    /**
     * Runs a program and returns what it printed; its standard input stays
     * open until it ends (bin/client gives up at once on an input at end of
     * file). Killed, with what it started, after {@code seconds}.
     */
    private Run run(List<String> command, int seconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        environment(pb);
        Process p = pb.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        p.getOutputStream().close();
        String out = output.get(10, TimeUnit.SECONDS).lines()
            .filter(l -> !l.contains("JAVA_HOME not set")).reduce("", (a, l) -> a + l + "\n");
        return new Run(p.exitValue(), out);
    }

    private void environment(ProcessBuilder pb) {
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        if (data != null) {
            pb.environment().put("KARAF_DATA", data.toString());
        }
    }

    private static void append(Path file, String... lines) throws IOException {
        Files.writeString(file, "\n" + String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
