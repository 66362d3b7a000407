package io.corral.shell.command;

import java.util.Map;

/** Signal names as kill(1) takes them. */
final class Signals {

    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
        Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("KILL", 9),
        Map.entry("USR1", 10), Map.entry("USR2", 12), Map.entry("ALRM", 14), Map.entry("TERM", 15),
        Map.entry("CONT", 18), Map.entry("STOP", 19));

    private Signals() {
    }

    /** TERM, SIGTERM, term or 15; the error names the value. */
    static int parse(String s) {
        String name = s.toUpperCase(java.util.Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        Integer n = BY_NAME.get(name);
        if (n != null) {
            return n;
        }
        try {
            int v = Integer.parseInt(s);
            if (v >= 0 && v <= 64) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new IllegalArgumentException("signal \"" + s + "\": expected a name (TERM, KILL, HUP, INT, QUIT,"
            + " USR1, USR2, ALRM, CONT, STOP) or a number 0..64");
    }
}
