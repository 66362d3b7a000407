package io.corral.api.port;

import io.corral.api.process.ProcessType;
import java.util.Arrays;

/**
 * A 5x5 relation between process types, row = the process that holds or is
 * told, column = the other process (Unit's {@code nxt_proc_conn_matrix} and
 * {@code nxt_proc_remove_notify_matrix}).
 */
public final class Matrix {

    private static final int N = ProcessType.values().length;

    /** Who holds whose port. */
    public static final Matrix DEFAULT_CONNECT = parse(
        "11111",
        "10000",
        "10010",
        "10101",
        "10000");

    /** Who is told of whose death. */
    public static final Matrix DEFAULT_REMOVE_NOTIFY = parse(
        "00000",
        "00000",
        "00010",
        "00101",
        "00010");

    private final boolean[][] cells;

    private Matrix(boolean[][] cells) {
        this.cells = cells;
    }

    /**
     * Parses five rows of five '0'/'1' characters in the order MAIN,
     * DISCOVERY, CONTROLLER, ROUTER, WORKER; spaces between the digits are
     * allowed ({@code "1 0 0 1 0"}). The error names the row and the rule.
     */
    public static Matrix parse(String... rows) {
        if (rows.length != N) {
            throw new IllegalArgumentException("a matrix has " + N + " rows (main, discovery, controller, router,"
                + " worker), got " + rows.length);
        }
        boolean[][] cells = new boolean[N][N];
        for (int r = 0; r < N; r++) {
            String row = rows[r] == null ? "" : rows[r].replace(" ", "");
            if (row.length() != N || !row.matches("[01]+")) {
                throw new IllegalArgumentException("row " + ProcessType.values()[r].name().toLowerCase()
                    + " \"" + rows[r] + "\": expected " + N + " digits 0 or 1 (one per column: main, discovery,"
                    + " controller, router, worker)");
            }
            for (int c = 0; c < N; c++) {
                cells[r][c] = row.charAt(c) == '1';
            }
        }
        return new Matrix(cells);
    }

    /** Whether a process of type {@code row} holds (or is told about) a process of type {@code column}. */
    public boolean allows(ProcessType row, ProcessType column) {
        return cells[row.ordinal()][column.ordinal()];
    }

    /** The rows as '0'/'1' strings, MAIN first. */
    public String[] rows() {
        String[] rows = new String[N];
        for (int r = 0; r < N; r++) {
            StringBuilder b = new StringBuilder(N);
            for (int c = 0; c < N; c++) {
                b.append(cells[r][c] ? '1' : '0');
            }
            rows[r] = b.toString();
        }
        return rows;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matrix m && Arrays.deepEquals(cells, m.cells);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(cells);
    }

    @Override
    public String toString() {
        return String.join("/", rows());
    }
}
