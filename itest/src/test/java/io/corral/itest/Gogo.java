package io.corral.itest;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Runs command lines the way an operator's session does. */
final class Gogo {

    private Gogo() {
    }

    /** Runs a command line, returning what it printed; a failing command throws. */
    static String run(CommandProcessor processor, String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream saved = System.out;
        // Corral's commands print to System.out, which Gogo redirects per session thread.
        try (CommandSession session = processor.createSession(System.in, ps, ps)) {
            Object result = session.execute(line);
            if (result != null) {
                ps.println(session.format(result, 0));
            }
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
