package io.corral.shell.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Where {@code bin/corral shell} reads command lines: a terminal with line editing, or plain lines. */
interface Prompt extends AutoCloseable {

    /** The next line, or null at the end of input. */
    String readLine() throws IOException;

    /** The terminal's width in columns, or 0 when it is not known. */
    int width();

    /** Calls {@code onInterrupt} for Ctrl-C while a command runs, from now until {@link #commandEnded}. */
    default void commandStarted(Runnable onInterrupt) {
    }

    default void commandEnded() {
    }

    @Override
    void close() throws IOException;

    /** Lines from standard input, with a prompt when it is a terminal; the width from COLUMNS. */
    final class Plain implements Prompt {

        private final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in,
            StandardCharsets.UTF_8));
        private final boolean terminal = System.console() != null;

        @Override
        public String readLine() throws IOException {
            if (terminal) {
                System.out.print("corral> ");
                System.out.flush();
            }
            return stdin.readLine();
        }

        @Override
        public int width() {
            return columns();
        }

        @Override
        public void close() {
        }
    }

    /** The COLUMNS the environment sets, or 0. */
    static int columns() {
        try {
            String c = System.getenv("COLUMNS");
            return c == null ? 0 : Math.max(0, Integer.parseInt(c.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
