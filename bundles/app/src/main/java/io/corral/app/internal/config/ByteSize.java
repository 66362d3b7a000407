package io.corral.app.internal.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size as an operator writes it: {@code "67108864"} or {@code "64M"}; K, M, G and T are powers of 1024. */
final class ByteSize {

    private static final String UNITS = "KMGT";
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGTkmgt]?)");

    private ByteSize() {
    }

    /**
     * @throws NumberFormatException when the text is not a whole number, optionally with K, M, G or T
     * @throws ArithmeticException   when it is more bytes than a long holds
     */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new NumberFormatException(text);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            // Only digits matched: the number is too large, not malformed.
            throw new ArithmeticException(text);
        }
        int power = m.group(2).isEmpty() ? 0 : UNITS.indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1;
        for (int i = 0; i < power; i++) {
            n = Math.multiplyExact(n, 1024L);
        }
        return n;
    }
}
