package io.corral.itest;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Gogo sessions for tests: a command line run the way an operator's session runs it. */
final class Sessions {

    private Sessions() {
    }

    /** Runs a command line and returns what it printed; a failing command throws its exception. */
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
