package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The operator's console as bin/corral shell sees it over the control socket:
 * typed JSON, tables as wide as the client says, corral:logs -f until Ctrl-C,
 * corral:status, Tab completion answered by the instance, and corral.log's
 * record of every control action with its origin.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConsoleIT {

    /** A qualified exception class name, as an operator should never see one. */
    private static final Pattern CLASS_NAME = Pattern.compile("[a-z]+\\.[a-z]+\\.[A-Z]\\w*Exception");

    @Inject
    private BundleContext context;

    @Inject
    private ApplicationManager apps;

    @Inject
    private org.osgi.service.log.LogReaderService logReader;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-console-it").toFile()),
            frameworkProperty("corral.control").value("true"));
    }

    private record Answer(String out, String err, int status) {
        String text() {
            return out + err;
        }
    }

    @After
    public void noApplications() throws Exception {
        List<Integer> pids = new ArrayList<>();
        apps.applications().forEach(s -> pids.addAll(s.pids()));
        write("");
        apps.reload();
        for (int pid : pids) {
            if (Procs.alive(pid)) {
                Procs.kill9(pid);
            }
        }
    }

    private void write(String applications) throws Exception {
        Path file = apps.configurationFile();
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"applications\": {" + applications + "}}");
    }

    /** A ticker that writes a numbered line every 100 ms, and one that fails at once (a crash loop). */
    private void tickerAndCrasher() throws Exception {
        write("\"ticker\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\","
            + " \"i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done\"]},"
            + " \"crasher\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\","
            + " \"exit 1\"]}");
        apps.reload();
        // Until the reload has applied them, neither application is known yet.
        Procs.waitUntil("ticker running and crasher failing", 20_000,
            () -> apps.application("ticker").filter(t -> t.running() == 1).isPresent()
                && apps.application("crasher").filter(c -> c.restarts() >= 1 && c.message() != null
                    && c.message().contains("next try in")).isPresent());
    }

    @Test
    public void everyJsonOutputIsTyped() throws Exception {
        tickerAndCrasher();
        try (RawSession s = session()) {
            JsonArray appList = json(s, "corral:apps --json").getAsJsonArray();
            JsonObject ticker = find(appList, "name", "ticker");
            assertTrue(ticker.get("wanted").getAsJsonPrimitive().isNumber());
            assertTrue(ticker.get("restarts").getAsJsonPrimitive().isNumber());
            assertTrue(ticker.get("pids").isJsonArray());
            assertTrue(ticker.get("pids").getAsJsonArray().get(0).getAsJsonPrimitive().isNumber());
            assertTrue(ticker.get("message").isJsonNull());

            JsonArray ps = json(s, "corral:ps --json").getAsJsonArray();
            JsonObject p = ps.get(0).getAsJsonObject();
            assertTrue(p.get("pid").getAsJsonPrimitive().isNumber());
            assertTrue("namespaces are an array: " + p, p.get("namespaces").isJsonArray());
            assertTrue(p.get("oom_killed").isJsonNull() || p.get("oom_killed").getAsJsonPrimitive().isBoolean());

            JsonArray providers = json(s, "corral:providers --json").getAsJsonArray();
            for (JsonElement e : providers) {
                assertTrue(e.toString(), e.getAsJsonObject().get("active").getAsJsonPrimitive().isBoolean());
                assertTrue(e.toString(), e.getAsJsonObject().get("namespaces").isJsonArray());
                assertTrue(e.toString(), e.getAsJsonObject().get("ranking").getAsJsonPrimitive().isNumber());
            }
            for (JsonElement e : json(s, "corral:providers --resources --json").getAsJsonArray()) {
                assertTrue(e.toString(), e.getAsJsonObject().get("available").getAsJsonPrimitive().isBoolean());
            }
            JsonObject version = json(s, "corral:version --json").getAsJsonObject();
            for (JsonElement e : version.getAsJsonArray("services")) {
                assertTrue(e.toString(), e.getAsJsonObject().get("active").getAsJsonPrimitive().isBoolean());
            }
            JsonObject matrix = json(s, "corral:matrix --json").getAsJsonObject();
            for (String m : List.of("connect", "remove_notify")) {
                JsonArray rows = matrix.getAsJsonArray(m);
                assertEquals(matrix.getAsJsonArray("types").size(), rows.size());
                for (JsonElement row : rows) {
                    assertTrue("matrix rows are arrays: " + row, row.isJsonArray());
                    for (JsonElement cell : row.getAsJsonArray()) {
                        assertTrue(row.toString(), cell.getAsJsonPrimitive().isBoolean());
                    }
                }
            }
            for (JsonElement e : json(s, "corral:ports --json").getAsJsonArray()) {
                JsonObject port = e.getAsJsonObject();
                assertTrue(port.get("ready").getAsJsonPrimitive().isBoolean());
                for (JsonElement held : port.getAsJsonArray("holds")) {
                    assertTrue("a held port is an object: " + held, held.isJsonObject());
                    assertTrue(held.getAsJsonObject().get("pid").getAsJsonPrimitive().isNumber());
                }
            }
            JsonObject id = json(s, "corral:id --json").getAsJsonObject();
            assertTrue(id.get("uid").getAsJsonPrimitive().isNumber());
            assertTrue(id.get("groups").isJsonArray());
        }
    }

    @Test
    public void tablesFitTheWidthTheClientSaysAndKeepTheMessageWhole() throws Exception {
        tickerAndCrasher();
        try (RawSession s = session()) {
            s.send('W', "80");
            for (String command : List.of("corral:apps", "corral:ps", "corral:ports", "corral:providers",
                    "corral:providers --resources", "corral:version")) {
                Answer a = ask(s, command);
                assertEquals(command + ": " + a, 0, a.status());
                assertFalse(command + ": no ANSI codes", a.text().contains("\u001b"));
                for (String line : a.out().split("\n")) {
                    assertTrue(command + ": a line of " + line.length() + " columns:\n" + a.out(),
                        line.length() <= 80);
                }
            }
            Answer table = ask(s, "corral:apps");
            String flat = table.out().replaceAll("\\s+", " ");
            assertTrue("the crasher's message keeps its next try: " + table.out(),
                Pattern.compile("next try in \\d+(\\.\\d+)? s").matcher(flat).find());
            assertFalse(table.out(), table.out().contains("~"));
            assertFalse(ask(s, "corral:apps --json").text().contains("\u001b"));
        }
    }

    @Test
    public void logsFollowUntilInterruptedAndTheSessionGoesOn() throws Exception {
        tickerAndCrasher();
        try (RawSession s = session()) {
            s.command("corral:logs -f ticker");
            int first = lastTick(s, 3_000);
            assertTrue("the last lines first", first > 0);
            long since = System.nanoTime();
            int next = first;
            while (next <= first) {
                next = lastTick(s, 1_000);
                assertTrue("a new line within a second of the last", System.nanoTime() - since < 1_500_000_000L
                    || next > first);
            }
            s.send('I', "");
            // Frames already on their way may come first; then the status of an interrupted command.
            RawSession.Frame f;
            long end = System.currentTimeMillis() + 3_000;
            do {
                f = s.next(Math.max(1, end - System.currentTimeMillis()));
                assertNotNull("an exit status within 3 s of the interrupt", f);
            } while (f.type() != 'X');
            assertEquals("130", f.text());
            Answer after = ask(s, "corral:apps");
            assertEquals(after.toString(), 0, after.status());
            assertTrue(after.out(), after.out().contains("ticker"));
            assertEquals("the ticker runs on", 1, apps.application("ticker").orElseThrow().running());
        }
    }

    @Test
    public void statusShowsStateRestartsPidsLimitsAndTheLastLines() throws Exception {
        tickerAndCrasher();
        try (RawSession s = session()) {
            ApplicationStatus ticker = apps.application("ticker").orElseThrow();
            Path log = ticker.logFiles().get(0);
            Procs.waitUntil("three ticks at the end of the ticker's log", 5_000, () -> {
                try {
                    List<String> lines = Files.readAllLines(log);
                    return lines.size() >= 3 && lines.subList(lines.size() - 3, lines.size()).stream()
                        .allMatch(l -> l.startsWith("tick "));
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            Answer a = ask(s, "corral:status -n 3 ticker");
            assertEquals(a.toString(), 0, a.status());
            assertTrue(a.out(), a.out().startsWith("* ticker - worker application\n"));
            assertTrue(a.out(), a.out().contains("State: RUNNING (1 of 1 running"));
            assertTrue(a.out(), a.out().contains("Pids: " + ticker.pids().get(0) + "\n"));
            assertTrue(a.out(), a.out().contains("Restarts: 0\n"));
            assertTrue(a.out(), a.out().contains("Limits: none\n"));
            String[] lines = a.out().split("\n");
            for (int i = lines.length - 3; i < lines.length; i++) {
                assertTrue(a.out(), lines[i].matches("tick \\d+"));
            }
            Answer crasher = ask(s, "corral:status crasher");
            assertTrue(crasher.out(), crasher.out().contains("Message: pid "));
            Answer none = ask(s, "corral:status nosuchapp");
            assertEquals(none.toString(), 1, none.status());
            assertEquals("Error: no application \"nosuchapp\" (see corral:apps)\n", none.err());
            clean(none);
        }
    }

    @Test
    public void tabCompletesCommandsOptionsNamesAndPids() throws Exception {
        tickerAndCrasher();
        try (RawSession s = session()) {
            assertEquals(List.of("corral:apps"), complete(s, "corral:ap"));
            assertTrue(complete(s, "corral:logs", "-").containsAll(List.of("-f", "-n", "--help")));
            assertEquals(List.of("ticker"), complete(s, "corral:start", "tic"));
            int pid = apps.application("ticker").orElseThrow().pids().get(0);
            assertTrue(complete(s, "corral:kill", "").contains(Integer.toString(pid)));
            assertTrue(complete(s, "corral:logs", "").containsAll(List.of("ticker", "crasher",
                Integer.toString(pid))));
            assertTrue(complete(s, "felix:headers", "io.corral.sh").contains("io.corral.shell"));
            assertEquals(List.of("corral:status"), complete(s, "help", "corral:stat"));
            // A command still runs as before the completions.
            assertEquals(0, ask(s, "corral:apps").status());
        }
    }

    @Test
    public void corralLogRecordsEveryControlActionWithItsOrigin() throws Exception {
        tickerAndCrasher();
        try (LogCapture log = new LogCapture(logReader); RawSession s = session()) {
            ask(s, "corral:stop crasher");
            ask(s, "corral:start crasher");
            ask(s, "corral:scale ticker 2");
            ask(s, "corral:restart ticker");
            ask(s, "corral:reload");
            for (String line : List.of("corral:stop crasher (from the control socket): stopping",
                    "corral:start crasher (from the control socket): started",
                    "corral:scale ticker 2 (from the control socket): 2 wanted",
                    "corral:restart ticker (from the control socket): restarting",
                    "corral:reload (from the control socket): ")) {
                // The Log Service hands entries to its listeners on a thread of its own.
                Procs.waitUntil("corral.log: " + line + "\n" + log.text(), 5_000, () -> log.count(line) == 1);
            }
        }
    }

    private static List<String> complete(RawSession s, String... words) throws Exception {
        s.send('T', String.join("\n", words));
        RawSession.Frame f = s.next(10_000);
        assertNotNull("candidates", f);
        assertEquals('L', f.type());
        return f.text().isEmpty() ? List.of() : List.of(f.text().split("\n"));
    }

    private static final Pattern TICK = Pattern.compile("tick (\\d+)");

    /** The highest tick in the output frames that come within {@code millis}; 0 when none. */
    private static int lastTick(RawSession s, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        int last = 0;
        while (System.currentTimeMillis() < end) {
            RawSession.Frame f = s.next(Math.max(1, end - System.currentTimeMillis()));
            if (f == null) {
                break;
            }
            assertTrue("still following: " + f, f.type() == 'O');
            Matcher m = TICK.matcher(f.text());
            while (m.find()) {
                last = Math.max(last, Integer.parseInt(m.group(1)));
            }
            if (last > 0 && millis <= 1_000) {
                return last;
            }
        }
        return last;
    }

    private static JsonObject find(JsonArray array, String key, String value) {
        for (JsonElement e : array) {
            if (value.equals(e.getAsJsonObject().get(key).getAsString())) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + key + " " + value + " in " + array);
    }

    private static JsonElement json(RawSession s, String command) throws Exception {
        Answer a = ask(s, command);
        assertEquals(command + ": " + a, 0, a.status());
        assertFalse(command + ": no ANSI codes", a.text().contains("\u001b"));
        return JsonParser.parseString(a.out());
    }

    private static void clean(Answer a) {
        assertFalse(a.toString(), a.text().contains("Cannot coerce"));
        assertFalse(a.toString(), CLASS_NAME.matcher(a.text()).find());
    }

    private RawSession session() throws Exception {
        return RawSession.ready(Path.of(context.getProperty("corral.base")));
    }

    private static Answer ask(RawSession s, String line) throws Exception {
        s.command(line);
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (RawSession.Frame f = s.next(30_000); f != null; f = s.next(30_000)) {
            switch (f.type()) {
                case 'X' -> {
                    Answer a = new Answer(out.toString(), err.toString(), Integer.parseInt(f.text()));
                    clean(a);
                    return a;
                }
                case 'E' -> err.append(f.text());
                default -> out.append(f.text());
            }
        }
        throw new AssertionError(line + ": no exit status; got " + out + err);
    }
}
