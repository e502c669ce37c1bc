package io.karst.bdev.spi;

import java.util.Locale;

/** Parses and prints byte sizes the way operators write them: {@code 4096}, {@code 64K}, {@code 256MiB}, {@code 1G}. */
public final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a size. Suffixes K, M, G, T, P (optionally followed by "iB" or "B") are binary multiples; a plain
     * number is bytes.
     *
     * @throws IllegalArgumentException for anything else, negative values, or overflow
     */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("size missing");
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            char last = s.charAt(s.length() - 1);
            int idx = "KMGTP".indexOf(last);
            if (idx >= 0) {
                shift = 10 * (idx + 1);
                s = s.substring(0, s.length() - 1);
            }
        }
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 4096, 64K, 256M, 1G)");
        }
        long value;
        try {
            value = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return value << shift;
    }

    /** Parses a configuration value that may be a number or a size string. */
    public static long parse(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        return parse(value == null ? null : value.toString());
    }

    /** Prints a size compactly: exact binary units where they divide evenly ({@code 256 MiB}), else bytes. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + " " + units[u];
    }
}
