package io.corral.shell.command;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;

/**
 * The width of the terminal a command's output goes to: the session's
 * {@value #VARIABLE} variable, which the foreground console sets from its
 * terminal and a control session from what {@code bin/corral shell} says of
 * its own; else the environment's; else {@value #UNKNOWN}.
 */
public final class TerminalWidth {

    /** The session variable that holds the width. */
    public static final String VARIABLE = "COLUMNS";
    static final int UNKNOWN = 160;
    static final int LEAST = 40;

    private TerminalWidth() {
    }

    /** The width for the command that runs on this thread. */
    public static int current() {
        Job job = Job.Utils.current();
        CommandSession session = job == null ? null : job.session();
        Object value = session == null ? null : session.get(VARIABLE);
        Integer width = parse(value);
        if (width == null) {
            width = parse(System.getenv(VARIABLE));
        }
        return width == null ? UNKNOWN : Math.max(LEAST, width);
    }

    /** A width from a variable's value; null when it holds none. */
    public static Integer parse(Object value) {
        if (value instanceof Number n) {
            return n.intValue() > 0 ? n.intValue() : null;
        }
        if (value == null) {
            return null;
        }
        try {
            int w = Integer.parseInt(value.toString().trim());
            return w > 0 ? w : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
