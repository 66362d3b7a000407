package io.corral.control.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request path as Unit's controller reads it: one trailing slash dropped,
 * split on the raw slashes, then each step percent-decoded on its own, so
 * {@code %2F} is a slash inside a name, not a separator.
 */
final class RequestPath {

    private final String raw;

    RequestPath(String rawPath) {
        String p = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        this.raw = p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** True for {@code /PREFIX} and {@code /PREFIX/...}. */
    boolean under(String prefix) {
        return raw.equals(prefix) || raw.startsWith(prefix + "/");
    }

    boolean isRoot() {
        return raw.equals("/");
    }

    /** The decoded steps after {@code prefix}; empty for the prefix itself. */
    List<String> steps(String prefix) throws ControlError {
        String rest = raw.substring(prefix.length());
        List<String> steps = new ArrayList<>();
        if (rest.isEmpty()) {
            return steps;
        }
        for (String s : rest.substring(1).split("/", -1)) {
            steps.add(decode(s));
        }
        return steps;
    }

    /** Percent-decoding of one step (a '+' stays a '+', as in Unit); a broken escape finds nothing. */
    private static String decode(String s) throws ControlError {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] != '%') {
                out.write(in[i]);
                continue;
            }
            if (i + 2 >= in.length) {
                throw ControlError.notFound();
            }
            int hi = Character.digit(in[i + 1], 16);
            int lo = Character.digit(in[i + 2], 16);
            if (hi < 0 || lo < 0) {
                throw ControlError.notFound();
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
