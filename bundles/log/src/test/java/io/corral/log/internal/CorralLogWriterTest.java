package io.corral.log.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.corral.log.LogRotation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

public class CorralLogWriterTest {

    private static long sequence;

    /** The Log Service's side: what it kept, and the listeners it calls. */
    private static final class Reader implements LogReaderService {
        final List<LogEntry> history = new ArrayList<>();
        final List<LogListener> listeners = new ArrayList<>();

        void log(LogEntry e) {
            listeners.forEach(l -> l.logged(e));
        }

        @Override
        public void addLogListener(LogListener listener) {
            listeners.add(listener);
        }

        @Override
        public void removeLogListener(LogListener listener) {
            listeners.remove(listener);
        }

        @Override
        public Enumeration<LogEntry> getLog() {
            List<LogEntry> newestFirst = new ArrayList<>(history);
            Collections.reverse(newestFirst);
            return Collections.enumeration(newestFirst);
        }
    }

    private static <T> T fake(Class<T> type, Map<String, Object> answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
            (proxy, method, args) -> answers.containsKey(method.getName()) ? answers.get(method.getName())
                : method.getDefaultValue()));
    }

    private static Bundle bundle(String name) {
        return fake(Bundle.class, Map.of("getSymbolicName", name));
    }

    private static LogEntry entry(long time, LogLevel level, String bundle, String logger, String message) {
        long seq = ++sequence;
        return new LogEntry() {
            @Override public Bundle getBundle() { return bundle(bundle); }
            @Override public ServiceReference<?> getServiceReference() { return null; }
            @Override @Deprecated public int getLevel() { return level.ordinal(); }
            @Override public String getMessage() { return message; }
            @Override public Throwable getException() { return null; }
            @Override public long getTime() { return time; }
            @Override public LogLevel getLogLevel() { return level; }
            @Override public String getLoggerName() { return logger; }
            @Override public long getSequence() { return seq; }
            @Override public String getThreadInfo() { return "t"; }
            @Override public StackTraceElement getLocation() { return null; }
        };
    }

    private static LogEntry warn(long time, String message) {
        return entry(time, LogLevel.WARN, "io.corral.port", "io.corral.port.internal.PortRegistryImpl", message);
    }

    private static CorralLogWriter writer(Path base, Reader reader, Map<String, Object> settings) {
        BundleContext context = fake(BundleContext.class, Map.of("getProperty", base.toString(),
            "getBundle", bundle("io.corral.log")));
        return new CorralLogWriter(context, fake(CorralLogWriter.Config.class, settings), reader);
    }

    private static List<String> lines(Path base) throws Exception {
        return Files.readAllLines(base.resolve("log/corral.log"));
    }

    @Test
    public void whatTheLogServiceKeptFromBeforeIsWrittenFirstAndEveryEntryOnce() throws Exception {
        Path base = Files.createTempDirectory("base");
        Path log = Files.createDirectories(base.resolve("log")).resolve("corral.log");
        long now = System.currentTimeMillis();
        Files.writeString(log, "an earlier writer's line\n");
        Files.setLastModifiedTime(log, FileTime.fromMillis(now - 10_000));
        Reader reader = new Reader();
        reader.history.add(warn(now - 20_000, "in the file already"));
        reader.history.add(warn(now - 5_000, "before the writer started"));
        LogEntry both = warn(now - 4_000, "in the history and told to the listener");
        reader.history.add(both);

        CorralLogWriter writer = writer(base, reader, Map.of());
        reader.log(both);
        reader.log(warn(now, "after"));
        writer.deactivate();

        List<String> lines = lines(base);
        assertEquals(lines.toString(), 4, lines.size());
        assertEquals("an earlier writer's line", lines.get(0));
        assertTrue(lines.get(1), lines.get(1).endsWith(" WARN  [io.corral.port] before the writer started"));
        assertTrue(lines.get(2), lines.get(2).endsWith("] in the history and told to the listener"));
        assertTrue(lines.get(3), lines.get(3).endsWith("] after"));
    }

    @Test
    public void aFloodIsOneLineAndASummary() throws Exception {
        Path base = Files.createTempDirectory("base");
        Reader reader = new Reader();
        CorralLogWriter writer = writer(base, reader, Map.of());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 100_000; i++) {
            reader.log(warn(now, "the port of worker 42 is full: RPC_READY dropped"));
        }
        reader.log(warn(now, "something else"));
        writer.deactivate();

        List<String> lines = lines(base);
        assertEquals(lines.toString(), 3, lines.size());
        assertTrue(lines.get(0), lines.get(0).endsWith(" WARN  [io.corral.port] the port of worker 42 is full:"
            + " RPC_READY dropped"));
        assertTrue(lines.get(1), lines.get(1).endsWith("] something else"));
        assertTrue(lines.get(2), lines.get(2).endsWith(" WARN  [io.corral.port] the port of worker 42 is full:"
            + " RPC_READY dropped (repeated 99999 times in the last 10 s)"));
    }

    @Test
    public void bundleAndServiceEventsAreWrittenOnlyWhenAskedFor() throws Exception {
        for (boolean asked : new boolean[] {false, true}) {
            Path base = Files.createTempDirectory("base");
            Reader reader = new Reader();
            CorralLogWriter writer = writer(base, reader, Map.of("framework_events", asked));
            long now = System.currentTimeMillis();
            reader.log(entry(now, LogLevel.INFO, "io.corral.app", "Events.Bundle.io.corral.app", "BundleEvent STARTED"));
            reader.log(entry(now, LogLevel.INFO, "io.corral.app", "Events.Service.io.corral.app",
                "ServiceEvent REGISTERED"));
            reader.log(entry(now, LogLevel.ERROR, "org.apache.felix.framework", "Events.Framework.x",
                "FrameworkEvent ERROR"));
            reader.log(entry(now, LogLevel.INFO, "io.corral.app", "io.corral.app.internal.AppManagerImpl",
                "applications started from etc/corral.json: web"));
            writer.deactivate();
            assertEquals(lines(base).toString(), asked ? 4 : 2, lines(base).size());
        }
    }

    @Test
    public void theLogIsRotatedAtItsConfiguredSize() throws Exception {
        Path base = Files.createTempDirectory("base");
        Reader reader = new Reader();
        CorralLogWriter writer = writer(base, reader, Map.of("max_bytes", 1000L, "keep", 2));
        long now = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) {
            reader.log(warn(now, "message " + i));
        }
        writer.deactivate();
        Path log = base.resolve("log/corral.log");
        long record = lines(base).get(0).length() + 1;
        assertTrue(Files.size(log) <= 1000 + record);
        assertTrue(Files.size(LogRotation.rotated(log, 1)) <= 1000 + record);
        assertTrue(Files.exists(LogRotation.rotated(log, 2)));
        assertTrue("two kept", !Files.exists(LogRotation.rotated(log, 3)));
        List<String> newest = lines(base);
        assertTrue(newest.toString(), newest.get(newest.size() - 1).endsWith("] message 99"));
        List<String> before = Files.readAllLines(LogRotation.rotated(log, 1));
        String last = before.get(before.size() - 1);
        int n = Integer.parseInt(last.substring(last.lastIndexOf(' ') + 1));
        assertTrue("the first of the new file follows the last of the rotated one",
            newest.get(0).endsWith("] message " + (n + 1)));
    }

    @Test
    public void newSettingsTakeEffectWithoutLosingAnEntry() throws Exception {
        Path base = Files.createTempDirectory("base");
        Reader reader = new Reader();
        CorralLogWriter writer = writer(base, reader, Map.of());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 50; i++) {
            reader.log(warn(now, "message " + i));
        }
        writer.modified(fake(CorralLogWriter.Config.class, Map.of("max_bytes", 1000L, "keep", 1)));
        for (int i = 50; i < 60; i++) {
            reader.log(warn(now, "message " + i));
        }
        writer.deactivate();
        reader.log(warn(now, "after the writer stopped"));
        Path log = base.resolve("log/corral.log");
        List<String> rotated = Files.readAllLines(LogRotation.rotated(log, 1));
        assertTrue("the first record under the new cap rotated the file", rotated.get(rotated.size() - 1)
            .endsWith("] message 50"));
        List<String> all = new ArrayList<>(rotated);
        all.addAll(lines(base));
        assertEquals(60, all.size());
        assertTrue(all.get(59), all.get(59).endsWith("] message 59"));
    }
}
