package io.corral.shell.command;

import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one formatter of listing commands: a table sized to the terminal, or
 * JSON (an array of objects keyed by column name) for scripts.
 */
public final class Table {

    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    public Table(String... columns) {
        this.columns = List.of(columns);
    }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns.size());
        }
        rows.add(java.util.Arrays.asList(cells));
        return this;
    }

    public int size() {
        return rows.size();
    }

    public void print(PrintStream out, boolean json) {
        out.println(json ? toJson() : toText(terminalWidth()));
    }

    public String toJson() {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (List<Object> row : rows) {
            Map<String, Object> o = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                o.put(columns.get(i).toLowerCase(java.util.Locale.ROOT).replace(' ', '_'), row.get(i));
            }
            objects.add(o);
        }
        return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(objects);
    }

    /** Columns as wide as their widest cell; the last one is cut to fit the width. */
    public String toText(int width) {
        int[] w = new int[columns.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = columns.get(i).length();
            for (List<Object> row : rows) {
                w[i] = Math.max(w[i], text(row.get(i)).length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, columns.stream().map(Object.class::cast).toList(), w, width);
        for (List<Object> row : rows) {
            b.append('\n');
            line(b, row, w, width);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<Object> cells, int[] w, int width) {
        int start = b.length();
        for (int i = 0; i < cells.size(); i++) {
            String s = text(cells.get(i));
            b.append(s);
            if (i < cells.size() - 1) {
                b.append(" ".repeat(w[i] - s.length() + 2));
            }
        }
        if (b.length() - start > width) {
            b.setLength(start + Math.max(width - 1, 0));
            b.append('~');
        }
    }

    private static String text(Object cell) {
        return cell == null ? "-" : String.valueOf(cell);
    }

    static int terminalWidth() {
        String columns = System.getenv("COLUMNS");
        try {
            return columns != null ? Math.max(40, Integer.parseInt(columns.trim())) : 160;
        } catch (NumberFormatException e) {
            return 160;
        }
    }
}
