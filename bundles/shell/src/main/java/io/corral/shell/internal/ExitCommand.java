package io.corral.shell.internal;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code exit}: ends a control session (and the commands of {@code bin/corral
 * -c}) after the line that holds it. The session that runs the line decides:
 * a command cannot close the session it runs in, so it leaves a mark.
 */
@Component(service = ExitCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=exit"
})
public final class ExitCommand {

    /** Set by the sessions that end on exit; the mark is this variable set to true. */
    static final String ENDS_ON_EXIT = ".corral.endsOnExit";
    static final String EXITED = ".corral.exited";

    @Descriptor("end this session after the line that holds it: bin/corral shell closes its connection")
    public void exit(CommandSession session) {
        if (!Boolean.TRUE.equals(session.get(ENDS_ON_EXIT))) {
            // The foreground console is the instance's own terminal: it ends with the instance. Said, not
            // thrown: that console prints an exception with its class name.
            System.out.println("exit: this console ends with the instance; stop the instance with felix:stop 0,"
                + " or use bin/corral shell for a session of its own");
            return;
        }
        session.put(EXITED, Boolean.TRUE);
    }

    /** Whether a line run in {@code session} asked to end it. */
    static boolean exited(CommandSession session) {
        return Boolean.TRUE.equals(session.get(EXITED));
    }
}
