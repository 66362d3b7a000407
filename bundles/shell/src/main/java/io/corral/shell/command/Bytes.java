package io.corral.shell.command;

import java.util.Locale;

/**
 * Sizes as an operator reads them: {@code 512}, {@code 1.5K}, {@code 12.3M}.
 * K, M, G and T are powers of 1024, as in cgroup files and free(1), not of
 * 1000; {@code Resources.parseSize} reads them back.
 */
final class Bytes {

    private static final String UNITS = "KMGT";

    private Bytes() {
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
