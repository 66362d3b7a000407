package io.corral.example;

import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnException;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * What a bundle author does with Corral: isolated processes with their
 * standard streams, through Corral's own API and through a plain
 * {@link Process}, ended on demand or by a lifetime limit. Its Gogo commands
 * (scope {@code example}) print what happened, for a person or a test to read.
 */
@Component(service = Dialogue.class, property = {
    "osgi.command.scope=example",
    "osgi.command.function=talk",
    "osgi.command.function=talkprocess",
    "osgi.command.function=destroy",
    "osgi.command.function=lifetime",
    "osgi.command.function=mine"})
public final class Dialogue {

    /** A shell that writes to both streams and answers one line of input. */
    private static final String SCRIPT = "echo out; echo err >&2; read x; echo got $x";

    private final ProcessFactory processes;

    @Activate
    public Dialogue(@Reference ProcessFactory processes) {
        this.processes = processes;
    }

    @Descriptor("spawn an isolated shell, write LINE to its stdin, print its stdout, stderr and exit")
    public String talk(String line) throws SpawnException, IOException, InterruptedException {
        ManagedProcess shell = processes.spawn(isolated("/bin/sh", "-c", SCRIPT).stdio(Stdio.PIPES).build());
        try (OutputStream in = shell.stdin()) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = readAll(shell.stdout());
        String err = readAll(shell.stderr());
        return "stdout: " + out + "stderr: " + err + "exit: " + shell.waitFor();
    }

    @Descriptor("the same as talk, through the java.lang.Process view only")
    public String talkprocess(String line) throws SpawnException, IOException, InterruptedException {
        Process shell = processes.spawn(isolated("/bin/sh", "-c", SCRIPT).stdio(Stdio.PIPES).build()).asProcess();
        try (OutputStream in = shell.getOutputStream()) {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = readAll(shell.getInputStream());
        String err = readAll(shell.getErrorStream());
        if (!shell.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + shell.pid() + " still runs");
        }
        return "stdout: " + out + "stderr: " + err + "exit: " + shell.exitValue();
    }

    @Descriptor("spawn an isolated sleep, destroy() it, print how long its end took")
    public String destroy() throws Exception {
        ManagedProcess sleep = processes.spawn(isolated("/bin/sleep", "10").build());
        long start = System.nanoTime();
        ExitStatus status = sleep.destroy().toCompletableFuture().get(10, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return "pid " + sleep.pid() + ": " + status + " after " + ms + " ms";
    }

    @Descriptor("spawn an isolated sleep 10 with a lifetime of MS milliseconds, print how it ended")
    public String lifetime(long ms) throws SpawnException, IOException, InterruptedException {
        ManagedProcess sleep = processes.spawn(isolated("/bin/sleep", "10").lifetime(Duration.ofMillis(ms)).build());
        ExitStatus status = sleep.waitFor();
        return "pid " + sleep.pid() + ": " + status + (status.timedOut() ? ", timed out" : "");
    }

    @Descriptor("the pids of this bundle's processes that run")
    public List<Integer> mine() {
        return processes.processes().stream().filter(p -> p.exitStatus().isEmpty()).map(ManagedProcess::pid)
            .toList();
    }

    /** Five namespaces, root inside mapped to the container's own user outside. */
    private static SpawnSpec.Builder isolated(String executable, String... arguments) throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return SpawnSpec.builder(executable).arguments(arguments).isolation(new IsolationRequest(
            EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT, Namespace.UNAME, Namespace.IPC),
            List.of(new IdMapEntry(0, uid, 1)), List.of(), null, true));
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
