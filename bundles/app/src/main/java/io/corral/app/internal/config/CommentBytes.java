package io.corral.app.internal.config;

/**
 * Finds the comments of a document in its bytes, before it is decoded:
 * Unit skips a comment byte by byte, so one may hold bytes that are not
 * UTF-8, which the strict decoding of the rest must not refuse.
 */
final class CommentBytes {

    private CommentBytes() {
    }

    /**
     * A copy with every non-ASCII byte inside a comment made a space, or
     * null when no comment holds one. Strings are followed (with their
     * escapes) so that a slash in a string starts no comment.
     */
    static byte[] blankNonAscii(byte[] utf8) {
        byte[] out = utf8.clone();
        boolean changed = false;
        int i = 0;
        while (i < out.length) {
            byte b = out[i];
            if (b == '"') {
                i = stringEnd(out, i + 1);
            } else if (b == '/' && i + 1 < out.length && (out[i + 1] == '/' || out[i + 1] == '*')) {
                boolean line = out[i + 1] == '/';
                i += 2;
                while (i < out.length && !(line ? out[i] == '\n'
                        : out[i] == '*' && i + 1 < out.length && out[i + 1] == '/')) {
                    if (out[i] < 0) {
                        out[i] = ' ';
                        changed = true;
                    }
                    i++;
                }
                i += line ? 1 : 2;
            } else {
                i++;
            }
        }
        return changed ? out : null;
    }

    /** The index after the closing quote of the string whose content starts at {@code i}. */
    private static int stringEnd(byte[] b, int i) {
        while (i < b.length && b[i] != '"') {
            i += b[i] == '\\' ? 2 : 1;
        }
        return i + 1;
    }
}
