package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.app.ConfigurationException;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.service.cm.ConfigurationAdmin;

/** Applications from etc/corral.json in a running Felix, with real processes: Unit's process-manager cases. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AppIT {

    private static final String SLEEP = "\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"1000\"]";

    @Inject
    private ApplicationManager apps;

    /** An application's processes are the app bundle's: the operator's view sees them. */
    @Inject
    private io.corral.api.process.ProcessAdmin factory;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private CommandProcessor processor;

    @Inject
    private io.corral.api.port.PortRegistry ports;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-app-it").toFile()));
    }

    /** Writes etc/corral.json with these applications (JSON members without braces) and applies it. */
    private void apply(String applications) throws Exception {
        write(applications);
        apps.reload();
    }

    private void write(String applications) throws Exception {
        Path file = apps.configurationFile();
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"applications\": {" + applications + "}}");
    }

    private ApplicationStatus status(String name) {
        return apps.application(name).orElseThrow(() -> new AssertionError("no application " + name));
    }

    private void waitFor(String name, String what, long millis, java.util.function.Predicate<ApplicationStatus> p)
            throws InterruptedException {
        Procs.waitUntil(name + ": " + what + " (now " + apps.application(name) + ")", millis,
            () -> p.test(status(name)));
    }

    @Test
    public void twoProcessesThenFourAndAKilledOneIsReplacedExactlyOnce() throws Exception {
        apply("\"pm\": {" + SLEEP + ", \"processes\": 2}");
        waitFor("pm", "two running", 10_000, s -> s.running() == 2);
        List<Integer> two = status("pm").pids();
        assertEquals(2, new HashSet<>(two).size());
        for (int pid : two) {
            assertTrue("pid " + pid + " runs sleep", Procs.alive(pid) && Procs.cmdline(pid).contains("sleep 1000"));
            // Unit's default user when Corral runs as root.
            assertTrue(Procs.status(pid, "Uid"), Procs.status(pid, "Uid").startsWith("65534 "));
        }
        apps.scale("pm", 4);
        waitFor("pm", "four running", 10_000, s -> s.running() == 4);
        List<Integer> four = status("pm").pids();
        assertTrue(four.containsAll(two));

        int victim = four.get(1);
        Procs.kill9(victim);
        waitFor("pm", "the killed one replaced", 10_000, s -> s.running() == 4 && !s.pids().contains(victim));
        Thread.sleep(1500);
        ApplicationStatus after = status("pm");
        assertEquals(4, after.running());
        Set<Integer> fresh = new HashSet<>(after.pids());
        fresh.removeAll(four);
        assertEquals("exactly one replacement: " + after.pids() + " vs " + four, 1, fresh.size());
        assertEquals(1, after.restarts());
        assertEquals(ApplicationState.RUNNING, after.state());
        assertFalse(Procs.alive(victim));
        assertEquals(List.of(), Procs.zombies(Procs.self()));
    }

    @Test
    public void aProgramThatExitsAtOnceBacksOffAndShowsItsCrashLoop() throws Exception {
        apply("\"crash\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"arguments\": [\"-c\", \"exit 3\"]}");
        waitFor("crash", "a crash loop", 10_000, s -> s.state() == ApplicationState.CRASH_LOOP);
        ApplicationStatus s = status("crash");
        assertTrue(s.message(), s.message().contains("exited unasked (exit 3)"));
        assertTrue(s.message(), s.message().contains("crash loop"));
        // Backing off: the waits double (0.5, 1, 2, 4 s...), so a few seconds see only a few more tries.
        int before = s.restarts();
        Thread.sleep(3000);
        int during = status("crash").restarts() - before;
        assertTrue("restarts in 3 s while backing off: " + during, during <= 2);
        apps.stop("crash");
        waitFor("crash", "stopped", 10_000, t -> t.state() == ApplicationState.STOPPED);
    }

    @Test
    public void restartReplacesEveryPid() throws Exception {
        apply("\"again\": {" + SLEEP + ", \"processes\": 3}");
        waitFor("again", "three running", 10_000, s -> s.running() == 3);
        List<Integer> old = status("again").pids();
        apps.restart("again");
        waitFor("again", "three new ones", 10_000, s -> s.running() == 3
            && s.pids().stream().noneMatch(old::contains));
        Procs.waitUntil("the old ones gone", 10_000, () -> old.stream().noneMatch(Procs::alive));
        assertEquals(0, status("again").restarts());
    }

    @Test
    public void spareZeroStartsNoneThenOneOnARoutersRequestThenNoneAfterASecondIdle() throws Exception {
        apply("\"router\": {" + SLEEP + ", \"role\": \"router\"},"
            + "\"workers\": {" + SLEEP + ", \"processes\": {\"spare\": 0, \"max\": 8, \"idle_timeout\": 1}}");
        waitFor("router", "running", 10_000, s -> s.running() == 1);
        Thread.sleep(500);
        assertEquals(0, status("workers").running());
        assertEquals(ApplicationState.RUNNING, status("workers").state());

        int router = status("router").pids().get(0);
        assertTrue(apps.requestWorker(router, "workers"));
        waitFor("workers", "one started on request", 5_000, s -> s.running() == 1);
        int worker = status("workers").pids().get(0);
        waitFor("workers", "none again after a second idle", 5_000, s -> s.running() == 0);
        Procs.waitUntil("the idle worker exited", 5_000, () -> !Procs.alive(worker));
        Thread.sleep(1000);
        assertEquals("an idle quit is not respawned", 0, status("workers").running());
        assertEquals(0, status("workers").restarts());

        try {
            apps.requestWorker(Procs.self(), "workers");
            fail("only routers may ask for workers");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("only routers may ask for workers"));
        }
    }

    /** The distribution's sample launcher as an application object's executable, run as root. */
    private static String sample(String launcher) {
        return "\"type\": \"external\", \"user\": \"root\", \"executable\": \""
            + CorralOptions.home().toPath().resolve("samples/bin/" + launcher) + "\"";
    }

    @Test
    public void aRealRoutersStartWorkerGrowsThePoolAndAnIdleWorkerGetsQuitByPort() throws Exception {
        apply("\"router\": {" + sample("sample-router") + ", \"role\": \"router\"},"
            + "\"workers\": {" + sample("sample-worker") + ", \"processes\": {\"spare\": 0, \"max\": 1,"
            + " \"idle_timeout\": 1}}");
        waitFor("router", "running", 20_000, s -> s.running() == 1);
        int router = status("router").pids().get(0);
        Procs.waitUntil("the router said PROCESS_READY", 20_000,
            () -> ports.ports(router).map(io.corral.api.port.PortInfo::ready).orElse(false));
        assertEquals(0, status("workers").running());

        // START_WORKER, sent by the sample router's own worker library.
        String answer = gogo("corral:send " + router + " start workers");
        int worker = status("workers").pids().get(0);
        assertTrue(answer, answer.contains("started " + worker));
        ManagedProcess w = factory.process(worker).orElseThrow();
        // max 1: a second request is refused, and the router hears why.
        String refused = gogo("corral:send " + router + " start workers");
        assertTrue(refused, refused.contains("may not grow"));

        // Idle beyond spare: QUIT by port after a second; the worker exits 0 by itself, no signal.
        assertEquals(ExitStatus.exited(0), w.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS));
        waitFor("workers", "none again", 5_000, s -> s.running() == 0);
        Path log = status("workers").logFiles().get(0);
        assertTrue(read(log), read(log).contains("quit"));
    }

    @Test
    public void badDocumentsAreRefusedWholeAndTheRunningSetIsUnchanged() throws Exception {
        String steady = "\"steady\": {" + SLEEP + ", \"processes\": 2}";
        apply(steady);
        waitFor("steady", "two running", 10_000, s -> s.running() == 2);
        List<Integer> pids = status("steady").pids();
        String effective = apps.configuration();
        // Each case also changes "steady" and adds a good application: refused whole, neither happens.
        String changes = "\"steady\": {" + SLEEP + ", \"processes\": 3}, \"extra\": {" + SLEEP + "}, ";
        String[][] cases = {
            {"\"bad\": {" + SLEEP + ", \"processes\": 0}",
                "applications/bad/processes: The \"processes\" number must be equal to or greater than 1. Got 0."},
            {"\"bad\": {" + SLEEP + ", \"processes\": {\"spare\": -1}}",
                "applications/bad/processes/spare: The \"spare\" number must not be negative. Got -1."},
            {"\"bad\": {" + SLEEP + ", \"processes\": {\"max\": 0}}",
                "applications/bad/processes/max: The \"max\" number must be equal to or greater than 1. Got 0."},
            {"\"bad\": {" + SLEEP + ", \"processes\": {\"spare\": 5, \"max\": 2}}",
                "applications/bad/processes: The \"spare\" number must be less than or equal to \"max\"."
                    + " Got spare 5 and max 2."},
            {"\"bad\": {" + SLEEP + ", \"processes\": {\"idle_timeout\": -1}}",
                "applications/bad/processes/idle_timeout: The \"idle_timeout\" number must not be negative. Got -1."},
            {"\"bad\": {" + SLEEP + ", \"replicas\": 2}", "applications/bad: Unknown parameter \"replicas\"."},
            {"\"bad\": {" + SLEEP + ", \"isolation\": {\"uidmap\": [{\"container\": 0, \"host\": 0, \"size\": 1}]}}",
                "applications/bad/isolation: \"uidmap\" is set but \"isolation.namespaces.credential\" is false"
                    + " or unset."},
            {"\"bad\": {" + SLEEP + ", \"user\": \"no-such-user-here\"}",
                "applications/bad: user \"no-such-user-here\" not found"},
            {"\"bad\": {\"type\": \"external\", \"executable\": \"/no/such/program\"}",
                "applications/bad: executable \"/no/such/program\": no such file"},
            {"\"bad\": {" + SLEEP + ",}", "Invalid JSON. Line 1, column "},
        };
        for (String[] c : cases) {
            write(changes + c[0]);
            try {
                apps.reload();
                fail("must be refused: " + c[0]);
            } catch (ConfigurationException e) {
                assertTrue("message for " + c[0] + ": " + e.getMessage(), e.getMessage().startsWith(c[1]));
                assertFalse(e.getMessage(), e.getMessage().contains("Exception"));
            }
            assertEquals("running set after " + c[0], pids, status("steady").pids());
            assertEquals(2, status("steady").wanted());
            assertFalse(apps.application("extra").isPresent());
            assertFalse(apps.application("bad").isPresent());
            assertEquals(effective, apps.configuration());
        }
        for (int pid : pids) {
            assertTrue(Procs.alive(pid));
        }
    }

    @Test
    public void outputAndLifeGoToTheApplicationsLog() throws Exception {
        apply("\"talker\": {\"type\": \"external\", \"executable\": \"/bin/sh\","
            + " \"arguments\": [\"-c\", \"echo hello from talker; echo oops >&2; exec sleep 1000\"]}");
        waitFor("talker", "running", 10_000, s -> s.running() == 1);
        int pid = status("talker").pids().get(0);
        Path log = status("talker").logFiles().get(0);
        assertTrue(log.toString(), log.toString().endsWith("log/talker.log"));
        Procs.waitUntil("output in " + log, 5_000, () -> read(log).contains("oops"));
        String text = read(log);
        assertTrue(text, text.contains("hello from talker\n"));
        assertTrue(text, text.contains("[corral] pid " + pid + " started"));
        apps.stop("talker");
        Procs.waitUntil("the exit noted", 10_000, () -> read(log).contains("pid " + pid + " exited"));
    }

    @Test
    public void unitsStdoutStderrCommentsAndARelativeExecutable() throws Exception {
        Path dir = Files.createTempDirectory("corral-app-it-wd");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = dir.resolve("talk");
        Files.writeString(script, "#!/bin/sh\necho to stdout; echo to stderr >&2; exec sleep 1000\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path err = dir.resolve("err.txt");
        Path file = apps.configurationFile();
        Files.createDirectories(file.getParent());
        // As Unit: comments; "talk" and "out.txt" are in the working directory, not looked up in PATH.
        Files.writeString(file, "// Unit 1.16+ takes comments\n{\"applications\": {\"redirected\": {\n"
            + "  \"type\": \"external\", \"executable\": \"talk\", /* no PATH lookup */\n"
            + "  \"working_directory\": \"" + dir + "\", \"stdout\": \"out.txt\", \"stderr\": \"" + err + "\"}}}\n");
        apps.reload();
        waitFor("redirected", "running", 10_000, s -> s.running() == 1);
        int pid = status("redirected").pids().get(0);
        Path out = dir.resolve("out.txt");
        Procs.waitUntil("output in " + out + " and " + err, 5_000,
            () -> read(out).equals("to stdout\n") && read(err).equals("to stderr\n"));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(out)));
        String log = read(status("redirected").logFiles().get(0));
        assertTrue(log, log.contains("[corral] pid " + pid + " started"));
        assertFalse(log, log.contains("to std"));
        apps.stop("redirected");
    }

    @Test
    public void stopKeepsAnApplicationDownUntilStart() throws Exception {
        apply("\"pausable\": {" + SLEEP + ", \"processes\": 2}");
        waitFor("pausable", "running", 10_000, s -> s.running() == 2);
        List<Integer> pids = status("pausable").pids();
        apps.stop("pausable");
        waitFor("pausable", "stopped", 10_000, s -> s.state() == ApplicationState.STOPPED);
        Procs.waitUntil("its processes gone", 5_000, () -> pids.stream().noneMatch(Procs::alive));
        apps.reload();
        assertEquals("a reload keeps it stopped", ApplicationState.STOPPED, status("pausable").state());
        apps.start("pausable");
        waitFor("pausable", "running again", 10_000, s -> s.running() == 2);
    }

    @Test
    public void theFileIsWatched() throws Exception {
        apply("");
        write("\"watched\": {" + SLEEP + "}");
        Procs.waitUntil("the new application started without a reload", 10_000,
            () -> apps.application("watched").map(s -> s.running() == 1).orElse(false));
    }

    @Test
    public void configAdminShowsEachApplicationAndAnEditIsAppliedOrUndone() throws Exception {
        apply("\"cm\": {" + SLEEP + "}");
        waitFor("cm", "running", 10_000, s -> s.running() == 1);
        org.osgi.service.cm.Configuration c = cmConfiguration("cm");
        assertEquals("cm", c.getProperties().get("name"));
        assertEquals("worker", c.getProperties().get("role"));
        String json = (String) c.getProperties().get("json");
        assertTrue(json, json.contains("\"executable\":\"/bin/sleep\""));

        // An edit from another bundle is applied and written to the file.
        Dictionary<String, Object> edit = new Hashtable<>();
        edit.put("json", json.replace("}", ",\"processes\":2}"));
        c.update(edit);
        waitFor("cm", "two running after the edit", 10_000, s -> s.running() == 2);
        assertTrue(read(apps.configurationFile()), read(apps.configurationFile()).contains("\"processes\": 2"));

        // A bad edit is refused and undone.
        edit.put("json", json.replace("}", ",\"processes\":0}"));
        cmConfiguration("cm").update(edit);
        Procs.waitUntil("the bad edit undone", 10_000, () -> cmJson("cm").contains("\"processes\":2"));
        assertEquals(2, status("cm").running());

        // A new configuration adds an application; deleting it removes it.
        org.osgi.service.cm.Configuration added = configAdmin.getFactoryConfiguration("io.corral.app", "cm2", "?");
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("json", "{" + SLEEP + "}");
        added.update(p);
        Procs.waitUntil("cm2 added", 10_000, () -> apps.application("cm2").map(s -> s.running() == 1).orElse(false));
        cmConfiguration("cm2").delete();
        Procs.waitUntil("cm2 removed", 10_000, () -> apps.application("cm2").isEmpty());
        assertFalse(read(apps.configurationFile()).contains("cm2"));

        // A new application that is refused is undone too: its configuration goes.
        org.osgi.service.cm.Configuration bad = configAdmin.getFactoryConfiguration("io.corral.app", "cm3", "?");
        Dictionary<String, Object> refused = new Hashtable<>();
        refused.put("json", "{" + SLEEP + ",\"processes\":0}");
        bad.update(refused);
        Procs.waitUntil("the refused cm3 undone", 10_000, () -> !cmExists("cm3"));
        assertTrue(apps.application("cm3").isEmpty());
        assertFalse(read(apps.configurationFile()).contains("cm3"));
    }

    /**
     * The mirror's own deletion of a removed application's configuration
     * comes back as an event after the application may be back: that event
     * is the mirror's, not an operator's deletion, and must not remove it.
     */
    @Test
    public void anApplicationRemovedAndAddedBackAtOnceStays() throws Exception {
        for (int i = 0; i < 20; i++) {
            apply("\"back\": {" + SLEEP + "}");
            apply("");
            apply("\"back\": {" + SLEEP + "}");
            Thread.sleep(200); // the deletion's event, delivered by ConfigAdmin's own thread
            assertTrue("round " + i, apps.application("back").isPresent());
        }
        waitFor("back", "running", 10_000, s -> s.running() == 1);
        assertTrue(read(apps.configurationFile()), read(apps.configurationFile()).contains("\"back\""));
        assertTrue(cmExists("back"));
        apply("");
    }

    /** Runs Gogo command lines as an operator would; the output, or "Error: " and the message. */
    private String gogo(String line) {
        try {
            return Gogo.run(processor, line);
        } catch (Exception e) {
            return "Error: " + e.getMessage() + "\n";
        }
    }

    @Test
    public void theGogoCommands() throws Exception {
        apply("\"cmd\": {\"type\": \"external\", \"executable\": \"/bin/sh\","
            + " \"arguments\": [\"-c\", \"echo one; echo two; echo three; exec sleep 1000\"], \"processes\": 2}");
        waitFor("cmd", "two running", 10_000, s -> s.running() == 2);
        String table = gogo("corral:apps");
        assertTrue(table, table.startsWith("Name  Role    Wanted  Running  Idle  State    Restarts  Pids"));
        assertTrue(table, table.contains("cmd   worker  2       2        2     RUNNING  0"));
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(gogo("corral:apps --json"))
            .getAsJsonArray().get(0).getAsJsonObject();
        assertEquals("cmd", json.get("name").getAsString());
        assertEquals(2, json.getAsJsonArray("pids").size());

        Path log = status("cmd").logFiles().get(0);
        Procs.waitUntil("both wrote three lines", 5_000,
            () -> read(log).lines().filter(l -> l.equals("three")).count() == 2);
        String last = gogo("corral:logs -n 1 cmd");
        assertTrue(last, last.equals("three\n") || last.contains("[corral]"));
        int pid = status("cmd").pids().get(0);
        assertTrue(gogo("corral:logs " + pid).contains("one\n"));

        assertEquals("cmd: 3 wanted\n", gogo("corral:scale cmd 3"));
        waitFor("cmd", "three running", 10_000, s -> s.running() == 3);
        assertTrue(gogo("corral:config").contains("\"cmd\""));
        write("\"cmd\": {\"type\": \"external\", \"executable\": \"/bin/sh\", \"processes\": -1}");
        String refused = gogo("corral:reload");
        assertTrue(refused, refused.startsWith("Error: " + apps.configurationFile() + " refused, nothing changed:"
            + " applications/cmd/processes: The \"processes\" number must be equal to or greater than 1. Got -1."));
        assertEquals(3, status("cmd").running());
        assertEquals("Error: no application \"5\" (see corral:apps; to start a bundle, use felix:start)\n",
            gogo("corral:start 5"));
        assertEquals("cmd: stopping\n", gogo("corral:stop cmd"));
        waitFor("cmd", "stopped", 10_000, s -> s.state() == ApplicationState.STOPPED);
        assertTrue(gogo("corral:apps").contains("STOPPED"));
    }

    @Test
    public void scaleBeyondTheLimitsIsRefusedAndStartsNothing() throws Exception {
        apply("\"pool\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"1000\"],"
            + " \"processes\": {\"spare\": 1, \"max\": 4}},"
            + " \"ticker\": {\"type\": \"external\", \"executable\": \"/bin/sleep\", \"arguments\": [\"1000\"],"
            + " \"processes\": 2}");
        waitFor("pool", "one running", 10_000, s -> s.running() == 1);
        waitFor("ticker", "two running", 10_000, s -> s.running() == 2);
        assertEquals("Error: application \"pool\" has \"processes\": {spare 1, max 4, idle_timeout 15};"
            + " it can be scaled to 1 to 4, not 100000\n", gogo("corral:scale pool 100000"));
        // A fixed count has no max of its own: the instance's ceiling (1024 by default) holds.
        assertEquals("Error: application \"ticker\" cannot be scaled to 100000: with the 1 wanted by the other"
            + " applications that makes 100001, above the instance's ceiling of 1024 (max_processes of"
            + " io.corral.app.manager)\n", gogo("corral:scale ticker 100000"));
        Thread.sleep(300);
        assertEquals(1, status("pool").running());
        assertEquals(2, status("ticker").running());
        assertEquals(2, status("ticker").wanted());
        assertEquals("3 is within the ceiling", "ticker: 3 wanted\n", gogo("corral:scale ticker 3"));
    }

    private org.osgi.service.cm.Configuration cmConfiguration(String name) throws Exception {
        org.osgi.service.cm.Configuration[] found =
            configAdmin.listConfigurations("(service.pid=io.corral.app~" + name + ")");
        if (found == null || found.length != 1) {
            throw new AssertionError("no ConfigAdmin configuration for " + name);
        }
        return found[0];
    }

    private boolean cmExists(String name) {
        try {
            return configAdmin.listConfigurations("(service.pid=io.corral.app~" + name + ")") != null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String cmJson(String name) {
        try {
            return (String) cmConfiguration(name).getProperties().get("json");
        } catch (Exception e) {
            return "";
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
