package io.karst.iscsi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reading configuration properties (Configuration Admin values are strings, numbers, booleans or arrays). */
final class Config {
    private Config() {
    }

    static String string(Map<String, ?> p, String key, String def) {
        Object v = p.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String[] a) {
            return String.join(",", a);
        }
        if (v instanceof java.util.Collection<?> c) {
            return String.join(",", c.stream().map(String::valueOf).toList());
        }
        return String.valueOf(v).trim();
    }

    static int integer(Map<String, ?> p, String key, int def, int min, int max) {
        String s = string(p, key, null);
        if (s == null || s.isEmpty()) {
            return def;
        }
        int v;
        try {
            v = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a number: " + s);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", not " + v);
        }
        return v;
    }

    static boolean bool(Map<String, ?> p, String key, boolean def) {
        String s = string(p, key, null);
        if (s == null || s.isEmpty()) {
            return def;
        }
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(key + ": not a boolean: " + s);
        };
    }

    static List<String> list(Map<String, ?> p, String key) {
        String s = string(p, key, "");
        List<String> out = new ArrayList<>();
        for (String item : s.split("[,\\s]+")) {
            if (!item.isBlank()) {
                out.add(item.trim());
            }
        }
        return out;
    }

    static List<String> split(String s) {
        return Arrays.stream(s.split("[,\\s]+")).filter(x -> !x.isBlank()).toList();
    }
}
