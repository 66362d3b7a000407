package io.corral.shell.command;

import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one formatter of listing commands: a table sized to the terminal, or
 * JSON (an array of objects keyed by column name) for scripts.
 */
public final class Table {

    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();
    private final Set<String> shrinkable = new HashSet<>();

    public Table(String... columns) {
        this.columns = List.of(columns);
    }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + columns.size());
        }
        rows.add(Arrays.asList(cells));
        return this;
    }

    /**
     * Columns whose cells may be cut (ending in ~) down to the header's width
     * when the table is wider than the terminal, before the last column is:
     * long lists that matter less than what follows them.
     */
    public Table shrinkable(String... names) {
        for (String name : names) {
            if (!columns.contains(name)) {
                throw new IllegalArgumentException("no column " + name);
            }
            shrinkable.add(name);
        }
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

    /**
     * Columns as wide as their widest cell; when that is wider than the width,
     * shrinkable columns give up what they can, then the last one is cut.
     */
    public String toText(int width) {
        int[] w = new int[columns.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = columns.get(i).length();
            for (List<Object> row : rows) {
                w[i] = Math.max(w[i], text(row.get(i)).length());
            }
        }
        int excess = Arrays.stream(w).sum() + 2 * (w.length - 1) - width;
        for (int i = 0; i < w.length - 1 && excess > 0; i++) {
            if (shrinkable.contains(columns.get(i))) {
                int give = Math.min(excess, w[i] - columns.get(i).length());
                w[i] -= give;
                excess -= give;
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
            if (i < cells.size() - 1 && s.length() > w[i]) {
                s = s.substring(0, w[i] - 1) + "~";
            }
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
