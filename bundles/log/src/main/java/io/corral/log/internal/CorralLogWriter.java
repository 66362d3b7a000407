package io.corral.log.internal;

import io.corral.log.LogRotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The one writer of {@code log/corral.log}: every entry of the OSGi Log
 * Service, one timestamped record each ({@link LogLine}), repeats held back
 * by a {@link RepeatFilter} and summed up once per interval, the file
 * rotated past its size like the applications' logs.
 *
 * <p>Entries logged before this writer listens are not lost: the Log
 * Service keeps the latest ones, and those newer than the file are written
 * first. Entries from before the Log Service started went to standard error.
 */
@Component(immediate = true, configurationPid = CorralLogWriter.PID)
@Designate(ocd = CorralLogWriter.Config.class)
public final class CorralLogWriter {

    static final String PID = "io.corral.log";

    @ObjectClassDefinition(name = "Corral log", description = "log/corral.log: the messages of every bundle,"
        + " through the OSGi Log Service")
    public @interface Config {
        @AttributeDefinition(description = "Size in bytes past which log/corral.log is rotated")
        long max_bytes() default 10L * 1024 * 1024;

        @AttributeDefinition(description = "Rotated files kept: corral.log.1 (the newest) and on")
        int keep() default 5;

        @AttributeDefinition(description = "Seconds in which a repeated message is written once; its repeats"
            + " are summed up in one line at the end of each")
        int repeat_interval_seconds() default 10;

        @AttributeDefinition(description = "Different messages followed at once; past that, new ones are only"
            + " counted, in one line per interval")
        int max_distinct_messages() default 1000;

        @AttributeDefinition(description = "Also write the framework's bundle and service events (INFO)")
        boolean framework_events() default false;
    }

    private final LogReaderService reader;
    private final Path path;
    private final String ownName;
    private final LogListener listener = this::logged;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corral-log");
        t.setDaemon(true);
        return t;
    });
    /** The settings in force, and what they made; replaced together (under the lock) when they change. */
    private LogFile file;
    private RepeatFilter<Message> repeats;
    private int intervalSeconds;
    private boolean frameworkEvents;
    private ScheduledFuture<?> tick;
    /** Entries up to this sequence number were written from the history; the listener skips them. */
    private long replayedUpTo = -1;
    /** Deactivated: the Log Service may still hand over entries it took before the listener was removed. */
    private boolean closed;

    @Activate
    public CorralLogWriter(BundleContext context, Config config, @Reference LogReaderService reader) {
        this.reader = reader;
        this.path = logDirectory(context).resolve("corral.log");
        this.ownName = context.getBundle().getSymbolicName();
        synchronized (this) {
            apply(config);
            // Listening first, then the history: an entry in both is written once (by sequence number).
            reader.addLogListener(listener);
            replay(reader.getLog(), lastWritten(path));
        }
    }

    /** New settings take effect at once, without a moment in which entries could pass unseen. */
    @Modified
    synchronized void modified(Config config) {
        endInterval();
        file.close();
        apply(config);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(listener);
        ticker.shutdownNow();
        synchronized (this) {
            endInterval();
            file.close();
            closed = true;
        }
    }

    private void apply(Config config) {
        file = new LogFile(path, new LogRotation(config.max_bytes(), config.keep()));
        repeats = new RepeatFilter<>(config.max_distinct_messages());
        intervalSeconds = Math.max(1, config.repeat_interval_seconds());
        frameworkEvents = config.framework_events();
        if (tick != null) {
            tick.cancel(false);
        }
        tick = ticker.scheduleAtFixedRate(this::endInterval, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
    }

    static Path logDirectory(BundleContext context) {
        String base = context.getProperty("corral.base");
        return base != null ? Path.of(base, "log") : context.getDataFile("log").toPath();
    }

    /**
     * When the file was last written: the history up to then is in it. At
     * the framework's start the history holds only this run's entries, all
     * newer; when this bundle alone is restarted the time tells roughly what
     * an earlier writer wrote.
     */
    private static long lastWritten(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    /** Writes the entries the Log Service kept (newest first) that are newer than the file. */
    private void replay(Enumeration<LogEntry> history, long after) {
        List<LogEntry> entries = new ArrayList<>();
        for (LogEntry e : Collections.list(history)) {
            replayedUpTo = Math.max(replayedUpTo, e.getSequence());
            if (e.getTime() > after) {
                entries.add(e);
            }
        }
        Collections.reverse(entries);
        entries.forEach(this::write);
    }

    private synchronized void logged(LogEntry entry) {
        if (!closed && entry.getSequence() > replayedUpTo) {
            write(entry);
        }
    }

    private void write(LogEntry entry) {
        if (!wanted(entry)) {
            return;
        }
        Message m = new Message(name(entry.getBundle()), entry.getLogLevel(), entry.getMessage());
        if (repeats.admit(m)) {
            append(m.record(entry.getTime(), entry.getException()));
        }
    }

    /**
     * The framework's bundle and service events come as INFO entries (logger
     * names {@code Events.Bundle.*}, {@code Events.Service.*}) from the Log
     * Service itself, dozens at each start: written only when asked for.
     */
    private boolean wanted(LogEntry entry) {
        String logger = entry.getLoggerName();
        boolean event = logger != null && (logger.startsWith("Events.Bundle") || logger.startsWith("Events.Service"));
        return frameworkEvents || !event || LogLevel.WARN.implies(entry.getLogLevel());
    }

    /** The end of an interval: one line per message that repeated in it. */
    private synchronized void endInterval() {
        if (closed) {
            return;
        }
        Message.summaries(repeats.endInterval(), System.currentTimeMillis(), intervalSeconds, ownName)
            .forEach(this::append);
    }

    private void append(String record) {
        try {
            file.append(record);
        } catch (IOException e) {
            // The log itself failed: standard error is all that is left (the daemon's log/stderr.log).
            StandardError.print(LogLevel.ERROR, ownName, "writing " + file.path() + ": " + e.getMessage()
                + "; the record was:\n" + record.stripTrailing(), null);
        }
    }

    private static String name(Bundle bundle) {
        return bundle != null ? bundle.getSymbolicName() : "-";
    }
}
