package io.corral.port.internal;

import io.corral.api.port.Matrix;
import io.corral.api.process.ProcessType;
import java.util.ArrayList;
import java.util.List;

/**
 * The two matrices from configuration {@value #PID}, checked: an error names
 * the property, the row, the column and the rule.
 */
record Matrices(Matrix connect, Matrix removeNotify) {

    static final String PID = "io.corral.port";
    static final Matrices DEFAULTS = new Matrices(Matrix.DEFAULT_CONNECT, Matrix.DEFAULT_REMOVE_NOTIFY);

    /**
     * Reads each property as five rows, given as five values or as one value
     * with the rows separated by commas, semicolons or new lines.
     */
    static Matrices from(String[] connect, String[] removeNotify) {
        Matrix c = parse("connect", connect);
        for (ProcessType t : ProcessType.values()) {
            // The connection at descriptor 3 is both: main's port for the process, the process's port for main.
            if (!c.allows(t, ProcessType.MAIN)) {
                throw error("connect", "row " + name(t) + " column main is 0, must be 1: every process holds"
                    + " main's port (its descriptor 3)");
            }
            if (!c.allows(ProcessType.MAIN, t)) {
                throw error("connect", "row main column " + name(t) + " is 0, must be 1: main holds every"
                    + " process's port");
            }
        }
        return new Matrices(c, parse("remove_notify", removeNotify));
    }

    private static Matrix parse(String property, String[] values) {
        List<String> rows = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            for (String row : v.split("[,;\\n]")) {
                if (!row.isBlank()) {
                    rows.add(row.trim());
                }
            }
        }
        try {
            return Matrix.parse(rows.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw error(property, e.getMessage());
        }
    }

    private static IllegalArgumentException error(String property, String message) {
        return new IllegalArgumentException("configuration " + PID + ", " + property + ": " + message);
    }

    static String name(ProcessType t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }
}
