package io.corral.itest;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * What the bundles log while it is open, as the Log Service hands it to its
 * listeners: every entry, before log/corral.log's writer holds repeats back.
 */
final class LogCapture implements LogListener, AutoCloseable {

    private final LogReaderService reader;
    /** A flood brings hundreds of thousands: a cheap add matters. */
    private final Queue<LogEntry> entries = new ConcurrentLinkedQueue<>();

    LogCapture(LogReaderService reader) {
        this.reader = reader;
        reader.addLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        entries.add(entry);
    }

    /** The messages so far, one a line, each with its bundle: {@code [io.corral.port] text}. */
    String text() {
        StringBuilder b = new StringBuilder();
        for (LogEntry e : entries) {
            b.append('[').append(e.getBundle().getSymbolicName()).append("] ").append(e.getMessage()).append('\n');
        }
        return b.toString();
    }

    /** How many messages so far contain {@code part}. */
    long count(String part) {
        return entries.stream().filter(e -> e.getMessage().contains(part)).count();
    }

    @Override
    public void close() {
        reader.removeLogListener(this);
    }
}
