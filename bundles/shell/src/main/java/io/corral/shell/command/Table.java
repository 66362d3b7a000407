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
 * JSON (an array of objects keyed by column name, values typed as the cells
 * are) for scripts. The last column carries the point of a row (a message, an
 * exit status): it is never cut but wrapped, beside the row or under it.
 */
public final class Table {

    /** Below this many columns left for the last column, its long cells go on lines of their own under the row. */
    static final int LEAST_LAST_COLUMN = 20;
    /** The indent of a last column's cell under its row. */
    static final int UNDER_INDENT = 4;

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
     * when the table is wider than the terminal: long lists that matter less
     * than what follows them.
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
        out.println(json ? toJson() : toText(TerminalWidth.current()));
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
     * shrinkable columns give up what they can, then the last column wraps:
     * beside the row when at least {@value #LEAST_LAST_COLUMN} columns are
     * left for it, else under the row. Only when the other columns alone are
     * wider than the width is a line cut.
     */
    public String toText(int width) {
        int n = columns.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = columns.get(i).length();
            for (List<Object> row : rows) {
                w[i] = Math.max(w[i], text(row.get(i)).length());
            }
        }
        // Room for the last column beside the others: all it needs, else at least LEAST_LAST_COLUMN to wrap in;
        // shrinkable columns give what that takes. Failing both it goes under its row, and the others shrink
        // only as far as they must to fit alone.
        int[] natural = w.clone();
        boolean fits = false;
        for (int need : new int[] {w[n - 1], Math.min(w[n - 1], LEAST_LAST_COLUMN)}) {
            w = natural.clone();
            shrink(w, start(w) + need - width);
            if (width - start(w) >= need) {
                fits = true;
                break;
            }
        }
        if (!fits) {
            w = natural.clone();
            shrink(w, start(w) - 2 - width);
        }
        int lastStart = start(w);
        int room = width - lastStart;
        StringBuilder b = new StringBuilder();
        line(b, columns.stream().map(Object.class::cast).toList(), w, lastStart, room, width);
        for (List<Object> row : rows) {
            b.append('\n');
            line(b, row, w, lastStart, room, width);
        }
        return b.toString();
    }

    /** Where the last column starts. */
    private static int start(int[] w) {
        int start = 0;
        for (int i = 0; i < w.length - 1; i++) {
            start += w[i] + 2;
        }
        return start;
    }

    /** Takes up to {@code excess} columns from the shrinkable ones, down to their headers' widths. */
    private void shrink(int[] w, int excess) {
        for (int i = 0; i < w.length - 1 && excess > 0; i++) {
            if (shrinkable.contains(columns.get(i))) {
                int give = Math.min(excess, w[i] - columns.get(i).length());
                w[i] -= give;
                excess -= give;
            }
        }
    }

    private static void line(StringBuilder b, List<Object> cells, int[] w, int lastStart, int room, int width) {
        int start = b.length();
        int n = cells.size();
        for (int i = 0; i < n - 1; i++) {
            String s = text(cells.get(i));
            if (s.length() > w[i]) {
                s = s.substring(0, Math.max(w[i] - 1, 0)) + "~";
            }
            b.append(s).append(" ".repeat(w[i] - s.length() + 2));
        }
        String last = text(cells.get(n - 1));
        if (last.length() <= room) {
            b.append(last);
            cut(b, start, width);
            return;
        }
        if (room >= LEAST_LAST_COLUMN) {
            List<String> parts = wrap(last, room);
            b.append(parts.get(0));
            for (String part : parts.subList(1, parts.size())) {
                b.append('\n').append(" ".repeat(lastStart)).append(part);
            }
            return;
        }
        // Too little room beside the row: the cell on lines of its own.
        b.setLength(b.length() - 2);
        while (b.length() > start && b.charAt(b.length() - 1) == ' ') {
            b.setLength(b.length() - 1);
        }
        cut(b, start, width);
        for (String part : wrap(last, Math.max(width - UNDER_INDENT, LEAST_LAST_COLUMN))) {
            b.append('\n').append(" ".repeat(UNDER_INDENT)).append(part);
        }
    }

    /** Cuts the line that starts at {@code start} to the width, ending it in ~: only other columns can be that wide. */
    private static void cut(StringBuilder b, int start, int width) {
        if (b.length() - start > width) {
            b.setLength(start + Math.max(width - 1, 0));
            b.append('~');
        }
    }

    /** The text in lines of at most {@code width}, broken at spaces where it can be. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int at = rest.lastIndexOf(' ', width);
            if (at <= 0) {
                lines.add(rest.substring(0, width));
                rest = rest.substring(width);
            } else {
                lines.add(rest.substring(0, at));
                rest = rest.substring(at + 1);
            }
        }
        lines.add(rest);
        return lines;
    }

    private static String text(Object cell) {
        return cell == null ? "-" : String.valueOf(cell);
    }
}
