package io.corral.log.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.osgi.service.log.LogLevel;

/**
 * One record of {@code log/corral.log} (and of standard error while there is
 * no Log Service): {@code 2024-05-01T10:00:00.123Z WARN  [io.corral.port] text}.
 * A record's further lines (a message's own line breaks, a stack trace)
 * start with a tab, so every line that starts with a time starts a record
 * and a message cannot forge one.
 */
public final class LogLine {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private LogLine() {
    }

    public static String format(long millis, LogLevel level, String bundle, String message, Throwable failure) {
        StringBuilder b = new StringBuilder(80 + message.length());
        TIME.formatTo(Instant.ofEpochMilli(millis), b);
        b.append(' ').append(level.name());
        for (int i = level.name().length(); i < 5; i++) {
            b.append(' ');
        }
        b.append(" [").append(bundle).append("] ");
        indentContinuations(b, message);
        b.append('\n');
        if (failure != null) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            for (String line : trace.toString().split("\r?\n")) {
                b.append('\t').append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static void indentContinuations(StringBuilder b, String message) {
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n') {
                b.append("\n\t");
            } else if (c != '\r') {
                b.append(c);
            }
        }
    }
}
