package io.corral.shell.command;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;

/**
 * Where the command that runs on this thread came from, for corral.log's
 * record of control actions: the session variable {@value #VARIABLE} that the
 * foreground console, a control session and {@code bin/corral -c} set.
 */
public final class Origin {

    public static final String VARIABLE = ".corral.origin";
    public static final String CONSOLE = "the console";
    public static final String CONTROL_SOCKET = "the control socket";
    public static final String COMMAND_LINE = "bin/corral -c";

    private Origin() {
    }

    static String current() {
        Job job = Job.Utils.current();
        CommandSession session = job == null ? null : job.session();
        Object origin = session == null ? null : session.get(VARIABLE);
        return origin == null ? "a Gogo session" : origin.toString();
    }

    /** Records a control action in corral.log: what was asked, from where, and what came of it. */
    static void record(String action, String outcome) {
        io.corral.log.Log.of(Origin.class).info(action + " (from " + current() + "): " + outcome);
    }
}
