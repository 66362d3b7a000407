package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.Readiness;
import io.corral.api.process.SpawnSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * log/corral.log as an operator finds it: a flood costs a line and a count,
 * the file rotates at its configured size, log/processes stays bounded.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LogIT {

    /** A record's start: the time in milliseconds, the level, the bundle. */
    private static final Pattern RECORD = Pattern.compile(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN |INFO |DEBUG|TRACE|AUDIT) \\[[^\\]]+\\] .*");
    private static final Pattern SUMMARY = Pattern.compile(".* is full: \\w+ dropped \\(repeated (\\d+) times?"
        + " in the last 10 s\\)");

    @Inject
    private BundleContext context;

    @Inject
    private ProcessFactory factory;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private LogReaderService logReader;

    @Inject
    private LoggerFactory loggers;

    private final List<ManagedProcess> spawned = new ArrayList<>();

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-log-it").toFile()));
    }

    @After
    public void stopWhatThisTestStarted() throws Exception {
        for (ManagedProcess p : spawned) {
            p.signal(9);
            p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private Path log() {
        return Path.of(context.getProperty("corral.base"), "log");
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private ManagedProcess spawn(ProcessFactory f, SpawnSpec spec) throws Exception {
        ManagedProcess p = f.spawn(spec);
        spawned.add(p);
        return p;
    }

    @Test
    public void aFloodingWorkerCostsALineAndOneSummaryAnIntervalNotALineAMessage() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assume.assumeTrue("needs " + python, Files.isExecutable(python));
        Path script = CommandLineIT.repo().resolve("itest/src/test/workers/flood_worker.py");
        Path corralLog = log().resolve("corral.log");
        int before = lines(corralLog).size();
        long floodMillis = 15_000;
        try (LogCapture capture = new LogCapture(logReader)) {
            ManagedProcess flood = spawn(factory, SpawnSpec.builder(python.toString()).arguments(script.toString())
                .name("flood").readiness(Readiness.PORT).build());
            Procs.waitUntil("the flooding worker is ready", 30_000, () -> flood.state() == ProcessState.READY);
            Thread.sleep(floodMillis);
            flood.signal(9);
            flood.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
            long reported = capture.count(" is full: ");
            assertTrue("a real flood: " + reported + " reports in " + floodMillis + " ms", reported >= 10_000);

            // Every report is in corral.log: written once, or counted in a summary at the end of its interval.
            Procs.waitUntil("corral.log accounts for all " + reported + " reports", 25_000, () -> {
                try {
                    return accounted(lines(corralLog).subList(before, lines(corralLog).size())) == reported;
                } catch (Exception e) {
                    return false;
                }
            });
            List<String> added = lines(corralLog).subList(before, lines(corralLog).size());
            String text = String.join("\n", added);
            assertTrue(text, added.size() <= 30);
            assertTrue(text, added.stream().anyMatch(l -> SUMMARY.matcher(l).matches()));
            for (String line : added) {
                assertTrue(line, RECORD.matcher(line).matches());
            }
        }
    }

    /** The reports that the lines stand for: one for a line, its count for a summary. */
    private static long accounted(List<String> lines) {
        long n = 0;
        for (String line : lines) {
            Matcher m = SUMMARY.matcher(line);
            if (m.matches()) {
                n += Long.parseLong(m.group(1));
            } else if (line.contains(" is full: ")) {
                n++;
            }
        }
        return n;
    }

    @Test
    public void corralLogRotatesAtItsConfiguredSize() throws Exception {
        long cap = 8_000;
        org.osgi.service.cm.Configuration config = configAdmin.getConfiguration("io.corral.log", "?");
        Path corralLog = log().resolve("corral.log");
        Path first = log().resolve("corral.log.1");
        Path second = log().resolve("corral.log.2");
        Logger logger = loggers.getLogger("io.corral.itest.LogIT");
        try {
            Hashtable<String, Object> settings = new Hashtable<>();
            settings.put("max.bytes", cap);
            settings.put("keep", 2);
            // The test writes hundreds of different messages a second: let each through.
            settings.put("max.distinct.messages", 1_000_000);
            config.update(settings);
            // Under the new settings the file soon passes the cap twice; under the old it would not.
            int[] n = {0};
            Procs.waitUntil("corral.log rotated twice", 30_000, () -> {
                for (int i = 0; i < 10; i++) {
                    logger.warn(String.format("rotation test message %06d, some words to make it longer", n[0]++));
                }
                return Files.exists(second);
            });
            for (int i = 0; i < 30; i++) {
                logger.warn(String.format("rotation test message %06d, some words to make it longer", n[0]++));
            }
            Procs.waitUntil("the last message is written", 10_000, () -> {
                try {
                    return String.join("\n", lines(corralLog)).contains(String.format("message %06d,", n[0] - 1));
                } catch (Exception e) {
                    return false;
                }
            });

            int longest = Stream.of(corralLog, first, second).flatMap(f -> {
                try {
                    return lines(f).stream();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).mapToInt(l -> l.length() + 1).max().orElseThrow();
            for (Path rotated : List.of(first, second)) {
                long size = Files.size(rotated);
                assertTrue(rotated + ": " + size, size > cap && size <= cap + longest);
                String last = lines(rotated).get(lines(rotated).size() - 1);
                assertTrue(last, RECORD.matcher(last).matches());
            }
            assertTrue(Files.size(corralLog) <= cap + longest);
            assertFalse("two rotated files are kept", Files.exists(log().resolve("corral.log.3")));
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(first)));

            // No record is lost at a rotation: the test's messages run on from one file to the next.
            List<Integer> numbers = new ArrayList<>();
            for (Path f : List.of(second, first, corralLog)) {
                for (String line : lines(f)) {
                    Matcher m = Pattern.compile("rotation test message (\\d{6}),").matcher(line);
                    if (m.find()) {
                        numbers.add(Integer.parseInt(m.group(1)));
                    }
                }
            }
            for (int i = 1; i < numbers.size(); i++) {
                assertEquals(numbers.get(i - 1) + 1, (int) numbers.get(i));
            }
        } finally {
            config.delete();
        }
    }

    @Test
    public void logProcessesKeepsTheConfiguredNumberOfFilesAndTheLogsOfRunningProcesses() throws Exception {
        org.osgi.service.cm.Configuration config = configAdmin.getConfiguration("io.corral.process", "?");
        long before = (Long) context.getServiceReference(ProcessFactory.class).getProperty(Constants.SERVICE_ID);
        try {
            Hashtable<String, Object> settings = new Hashtable<>();
            settings.put("logs.kept", 5);
            config.update(settings);
            // Taken live: the process table shows the new setting, and the factory is the same service.
            Procs.waitUntil("the process table configured", 20_000, () -> {
                ServiceReference<io.corral.api.process.ProcessAdmin> ref =
                    context.getServiceReference(io.corral.api.process.ProcessAdmin.class);
                return ref != null && Integer.valueOf(5).equals(ref.getProperty("logs.kept"));
            });
            assertEquals("not restarted", before,
                (long) (Long) context.getServiceReference(ProcessFactory.class).getProperty(Constants.SERVICE_ID));
            ProcessFactory configured = context.getService(context.getServiceReference(ProcessFactory.class));

            ManagedProcess server = spawn(configured, SpawnSpec.builder("/bin/sleep").arguments("60").name("server")
                .build());
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ManagedProcess p = spawn(configured, SpawnSpec.builder("/bin/echo").arguments("run " + i).name("echo")
                    .build());
                p.onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
                logs.add(p.logFile().orElseThrow());
            }
            Path dir = log().resolve("processes");
            List<Path> left;
            try (Stream<Path> s = Files.list(dir)) {
                left = s.sorted().toList();
            }
            assertEquals(left.toString(), 5, left.size());
            assertTrue("the running process keeps its log: " + left, left.contains(server.logFile().orElseThrow()));
            assertTrue("the newest stay: " + left, left.containsAll(logs.subList(8, 12)));
            assertEquals("run 11\n", Files.readString(logs.get(11)));
        } finally {
            config.delete();
        }
    }
}
