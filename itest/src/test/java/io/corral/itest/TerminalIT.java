package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.Test;

/** The foreground instance at a terminal, driven through a detached tmux session as an operator types. */
public class TerminalIT {

    /** A tmux server of the test's own (-L), so that no other tmux session is touched. */
    private static final class Tmux implements AutoCloseable {

        private final String socket = "corral-terminal-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

        String run(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
            cmd.addAll(List.of(args));
            File output = File.createTempFile("tmux", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                pb.environment().remove("TMUX");
                Process p = pb.start();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not exit within 10 s");
                }
                String out = Files.readString(output.toPath(), StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
                }
                return out;
            } finally {
                output.delete();
            }
        }

        /**
         * Runs {@code bin/corral --base BASE ARGS…} in a new pane {@code width}
         * columns wide, started in BASE (a directory every user may enter); the
         * pane stays when the program exits.
         */
        void startCorral(int width, Path base, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("-f", "/dev/null", "new-session", "-d", "-x",
                Integer.toString(width), "-y", "50", "-c", base.toString(),
                CommandLineIT.repo().resolve("bin/corral").toString(), "--base", base.toString()));
            cmd.addAll(List.of(args));
            cmd.addAll(List.of(";", "set-option", "-g", "remain-on-exit", "on"));
            run(cmd.toArray(new String[0]));
        }

        /** The pane's text, with its scroll-back. */
        String screen() throws Exception {
            return run("capture-pane", "-p", "-S", "-");
        }

        /** The screen, for a failure message; never fails itself. */
        String shown() {
            try {
                String text = String.join("\n", screen().lines().filter(l -> !l.isBlank()).toList());
                return "\n--- the pane (blank lines left out) ---\n" + text + "\n--- its program has exited: "
                    + run("display", "-p", "#{?pane_dead,yes,no}").trim();
            } catch (Exception | AssertionError e) {
                return "\n(no pane: " + e.getMessage() + ")";
            }
        }

        void type(String line) throws Exception {
            run("send-keys", "-l", line);
            run("send-keys", "Enter");
        }

        void waitFor(String what, Pattern pattern, int count) throws Exception {
            long end = System.currentTimeMillis() + 30_000;
            String screen = screen();
            while (count(pattern, screen) < count) {
                if (System.currentTimeMillis() > end) {
                    throw new AssertionError("timed out waiting for " + what + shown());
                }
                Thread.sleep(50);
                screen = screen();
            }
        }

        static int count(Pattern pattern, String text) {
            return (int) pattern.matcher(text).results().count();
        }

        @Override
        public void close() throws Exception {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static final Pattern PROMPT = Pattern.compile("(?m)^corral>");

    /** corral:apps's rows for both applications, RUNNING with every process. */
    private static final Pattern BOTH_RUNNING = Pattern.compile(
        "(?m)^external\\s+worker\\s+2\\s+2\\s+\\d+\\s+RUNNING\\s.*\\n^isolated\\s+worker\\s+1\\s+1\\s+\\d+\\s+RUNNING\\s");

    @Test
    public void ctrlCAtThePromptLeavesTheInstanceAndItsApplicationsRunning() throws Exception {
        // A unique duration marks this test's sleeps (sleep takes no other arguments).
        String marker = "1000." + System.nanoTime();
        Path base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {"
            + "\"external\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"" + marker
            + "\"], \"processes\": 2},"
            + " \"isolated\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"" + marker
            + "\"], \"isolation\": {\"namespaces\": {\"credential\": true, \"pid\": true}}}}}");
        int jvm = -1;
        try (Tmux tmux = new Tmux()) {
            tmux.startCorral(200, base);
            try {
                tmux.waitFor("the prompt", PROMPT, 1);
                // bin/corral execs java: the pane's process is the JVM.
                jvm = Integer.parseInt(tmux.run("display", "-p", "#{pane_pid}").trim());
                assertTrue(Procs.cmdline(jvm), Procs.cmdline(jvm).contains("-Dcorral.base=" + base + " "));
                Procs.waitUntil("three sleeps", 30_000, () -> Procs.sleeping(marker).size() == 3);
                tmux.type("corral:apps");
                tmux.waitFor("corral:apps showing both applications running", BOTH_RUNNING, 1);
                List<Integer> sleeps = Procs.sleeping(marker);
                assertEquals(sleeps.toString(), 3, sleeps.size());
                // Only the terminal's foreground process group gets its SIGINT: children lead sessions
                // of their own, without a controlling terminal.
                assertNotEquals(0, Procs.controllingTerminal(jvm));
                for (int sleep : sleeps) {
                    assertNotEquals("sleep " + sleep + " is in the JVM's session", Procs.session(jvm),
                        Procs.session(sleep));
                    assertEquals("sleep " + sleep + "'s controlling terminal", 0, Procs.controllingTerminal(sleep));
                }

                tmux.run("send-keys", "C-c");
                Thread.sleep(1000);
                assertTrue("the JVM " + jvm + " survives Ctrl-C" + tmux.shown(), Procs.alive(jvm));
                for (int sleep : sleeps) {
                    assertTrue("sleep " + sleep + " survives Ctrl-C" + tmux.shown(), Procs.alive(sleep));
                }
                assertEquals("the same sleeps, none replaced", sleeps, Procs.sleeping(marker));
                tmux.type("corral:apps");
                tmux.waitFor("the prompt answering corral:apps after Ctrl-C", BOTH_RUNNING, 2);
                assertTrue(Procs.alive(jvm));
                assertEquals(sleeps, Procs.sleeping(marker));

                // Ctrl-D (end of input) at the prompt ends the console, which stops the framework.
                tmux.run("send-keys", "C-d");
                int gone = jvm;
                Procs.waitUntil("the JVM to exit after Ctrl-D", 30_000, () -> !Procs.alive(gone));
                assertEquals("no sleep outlives the instance", List.of(), Procs.sleeping(marker));
            } finally {
                // Clean up by pid whatever a failure left.
                if (jvm > 0 && Procs.alive(jvm)) {
                    Procs.kill9(jvm);
                }
                for (int sleep : Procs.sleeping(marker)) {
                    Procs.kill9(sleep);
                }
            }
        }
    }

    /** What the pane shows of the line being edited: the last prompt's line. */
    private static String lastPromptLine(String screen) {
        List<String> lines = screen.lines().filter(l -> l.startsWith("corral>")).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static final Pattern TICK = Pattern.compile("(?m)^tick (\\d+)$");

    private static int lastTick(String screen) {
        return TICK.matcher(screen).results().mapToInt(m -> Integer.parseInt(m.group(1))).max().orElse(0);
    }

    @Test
    public void theConsoleCompletesFollowsRecallsAndCtrlCEndsOnlyTheCommand() throws Exception {
        String marker = "1000." + System.nanoTime();
        Path base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        // A ticker writes a numbered line every 100 ms; a sleep shows that Ctrl-C reaches no application.
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {"
            + "\"ticker\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\","
            + " \"i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done\"]},"
            + " \"sleeper\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"" + marker
            + "\"]}}}");
        int jvm = -1;
        try (Tmux tmux = new Tmux()) {
            tmux.startCorral(120, base);
            try {
                tmux.waitFor("the prompt", PROMPT, 1);
                jvm = Integer.parseInt(tmux.run("display", "-p", "#{pane_pid}").trim());
                Procs.waitUntil("the sleeper", 30_000, () -> Procs.sleeping(marker).size() == 1);
                int sleeper = Procs.sleeping(marker).get(0);
                assertFalse("a real terminal" + tmux.shown(), tmux.screen().contains("dumb terminal"));

                // Tab completes a command's name.
                tmux.run("send-keys", "-l", "corral:ap");
                tmux.run("send-keys", "Tab");
                Procs.waitUntil("corral:ap<Tab> completed to corral:apps" + tmux.shown(), 5_000,
                    () -> screenOf(tmux).contains("corral> corral:apps"));
                tmux.run("send-keys", "Enter");
                tmux.waitFor("corral:apps's table", Pattern.compile("(?m)^ticker\\s+worker\\s+1\\s+1\\s"), 1);

                followInterruptAndRecall(tmux, jvm, sleeper, "the sleeper");

                // Errors as a control session prints them: the usage, no Gogo text, no class name.
                tmux.type("corral:kill");
                tmux.waitFor("corral:kill's usage", Pattern.compile("(?m)^Usage: corral:kill PID"), 1);
                String screen = tmux.screen();
                assertFalse(screen, screen.contains("Cannot coerce"));
                assertFalse(screen, Pattern.compile("[a-z]+\\.[a-z]+\\.[A-Z]\\w*Exception").matcher(screen).find());

                tmux.run("send-keys", "C-d");
                int gone = jvm;
                Procs.waitUntil("the JVM to exit after Ctrl-D", 30_000, () -> !Procs.alive(gone));
                assertEquals(List.of(), Procs.sleeping(marker));
                String history = Files.readString(base.resolve("run/console.history"));
                assertTrue(history, history.contains("corral:logs -f ticker"));
                assertFalse(tmux.screen(), tmux.screen().contains("dumb terminal"));
            } finally {
                if (jvm > 0 && Procs.alive(jvm)) {
                    Procs.kill9(jvm);
                }
                for (int sleep : Procs.sleeping(marker)) {
                    Procs.kill9(sleep);
                }
                for (int ticker : Procs.running("echo tick $i")) {
                    Procs.kill9(ticker);
                }
            }
        }
    }

    @Test
    public void theShellClientCompletesFollowsRecallsAndCtrlCEndsOnlyTheCommand() throws Exception {
        Path base = CommandLineIT.base();
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/corral.json"), "{\"applications\": {"
            + "\"ticker\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\","
            + " \"i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done\"]}}}");
        try (Tmux tmux = new Tmux()) {
            CommandLineIT.Result start = CommandLineIT.corral("--base", base.toString(), "start");
            assertEquals(start.err(), 0, start.status());
            int jvm = DaemonIT.jvmPid(base);
            tmux.startCorral(120, base, "shell");
            tmux.waitFor("the prompt", PROMPT, 1);

            // The instance answers the completion.
            tmux.run("send-keys", "-l", "corral:ap");
            tmux.run("send-keys", "Tab");
            Procs.waitUntil("corral:ap<Tab> completed to corral:apps" + tmux.shown(), 5_000,
                () -> screenOf(tmux).contains("corral> corral:apps"));
            tmux.run("send-keys", "Enter");
            tmux.waitFor("corral:apps's table", Pattern.compile("(?m)^ticker\\s+worker\\s+1\\s+1\\s"), 1);
            int ticker = Integer.parseInt(tmux.screen().lines().filter(l -> l.startsWith("ticker "))
                .findFirst().orElseThrow().split("\\s+")[7]);

            followInterruptAndRecall(tmux, jvm, ticker, "the ticker");
            tmux.type("exit");
            Procs.waitUntil("the client to exit" + tmux.shown(), 10_000,
                () -> "1".equals(displayed(tmux, "#{pane_dead}")));
            assertTrue(Procs.alive(jvm));
            assertTrue(Files.readString(base.resolve("run/shell.history")).contains("corral:logs -f ticker"));
            assertFalse(tmux.screen(), tmux.screen().contains("dumb terminal"));
        } finally {
            DaemonIT.cleanUp(base);
        }
    }

    private static String displayed(Tmux tmux, String format) {
        try {
            return tmux.run("display", "-p", format).trim();
        } catch (Exception e) {
            return "";
        }
    }

    private static String screenOf(Tmux tmux) {
        try {
            return tmux.screen();
        } catch (Exception e) {
            return "";
        }
    }

    /**
     * At the prompt: corral:logs -f shows new lines as they come; Ctrl-C ends it, and only it (the
     * instance and {@code process} run on); the Up arrow then recalls that command.
     */
    private static void followInterruptAndRecall(Tmux tmux, int jvm, int process, String what) throws Exception {
        tmux.type("corral:logs -f ticker");
        Procs.waitUntil("the ticker's lines" + tmux.shown(), 10_000, () -> lastTick(screenOf(tmux)) > 0);
        int seen = lastTick(tmux.screen());
        long since = System.nanoTime();
        Procs.waitUntil("a new line within a second" + tmux.shown(), 1_000,
            () -> lastTick(screenOf(tmux)) > seen);
        assertTrue(System.nanoTime() - since < 1_000_000_000L);
        int prompts = Tmux.count(PROMPT, tmux.screen());
        tmux.run("send-keys", "C-c");
        tmux.waitFor("the prompt after Ctrl-C", PROMPT, prompts + 1);
        int stopped = lastTick(tmux.screen());
        Thread.sleep(500);
        assertEquals("following has ended" + tmux.shown(), stopped, lastTick(tmux.screen()));
        assertTrue("the instance survives Ctrl-C", Procs.alive(jvm));
        assertTrue(what + " survives Ctrl-C", Procs.alive(process));

        tmux.run("send-keys", "Up");
        Procs.waitUntil("Up recalls corral:logs -f ticker" + tmux.shown(), 5_000,
            () -> lastPromptLine(screenOf(tmux)).equals("corral> corral:logs -f ticker"));
        tmux.run("send-keys", "C-u");
    }
}
