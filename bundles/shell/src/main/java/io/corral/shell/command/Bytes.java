package io.corral.shell.command;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as an operator writes and reads them: {@code 67108864}, {@code 64M},
 * {@code 12.3M}. K, M, G and T are powers of 1024, as in cgroup files and
 * free(1), not of 1000.
 */
final class Bytes {

    private static final String UNITS = "KMGT";
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGTkmgt]?)");

    private Bytes() {
    }

    /**
     * A whole number of bytes, optionally with K, M, G or T.
     *
     * @throws NumberFormatException when the text is not such a size
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

    /** The largest unit that leaves at least 1, one decimal at most: 512, 1.5K, 12.3M, 64M. */
    static String format(long bytes) {
        if (bytes < 1024) {
            return Long.toString(bytes);
        }
        double v = bytes;
        int unit = -1;
        // Compare after rounding, so that 1048575 bytes is 1M rather than 1024K.
        while (Math.round(v * 10) >= 1024 * 10 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        String number = String.format(Locale.ROOT, "%.1f", v);
        if (number.endsWith(".0")) {
            number = number.substring(0, number.length() - 2);
        }
        return number + UNITS.charAt(unit);
    }
}
