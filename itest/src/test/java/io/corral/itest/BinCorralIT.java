package io.corral.itest;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The operator's view: the real bin/corral -c in a fresh JVM, its output and exit status. */
public class BinCorralIT {

    /** How a process ended and what it printed. */
    private record Run(int status, String out, String err) {
    }

    private static Run run(String... command) throws Exception {
        File repo = new File(System.getProperty("corral.repo", ".."));
        ProcessBuilder pb = new ProcessBuilder(command).directory(repo);
        // Its own base, so the test leaves nothing in the distribution's directories.
        pb.environment().put("CORRAL_BASE", Files.createTempDirectory("corral-bin-it").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), out, new String(err.get(), StandardCharsets.UTF_8));
    }

    private static Run corral(String commands) throws Exception {
        return run("bin/corral", "-c", commands);
    }

    @Test
    public void idRootPrintsWhatIdRootPrints() throws Exception {
        Run id = run("id", "root");
        Run corral = corral("corral:id root");
        assertEquals(corral.err(), 0, corral.status());
        assertEquals(id.out(), corral.out());
        assertEquals("", corral.err());
    }

    @Test
    public void anUnknownUserIsOneLineOnStderrAndStatus1() throws Exception {
        Run corral = corral("corral:id nosuchuser");
        assertEquals(1, corral.status());
        assertEquals("", corral.out());
        assertEquals(List.of("Error: user \"nosuchuser\" not found"), corral.err().lines().toList());
    }

    @Test
    public void anInvalidNameIsOneLineNamingTheRule() throws Exception {
        Run corral = corral("corral:id root a/b");
        assertEquals(1, corral.status());
        assertEquals(List.of("Error: group \"a/b\" is not valid: a name must not contain '/'"),
            corral.err().lines().toList());
    }
}
