package io.karst.web.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written from the format's description, to check
 * what the endpoint writes: every line is a HELP, TYPE, comment or sample line; names and label names are valid;
 * label values use only the three escapes; values parse as Go floats; TYPE comes once, before the family's samples;
 * a family's samples are contiguous; no series repeats; counters are non-negative; each histogram has increasing
 * {@code le} bounds with cumulative counts, a {@code +Inf} bucket equal to {@code _count}, and a {@code _sum}.
 */
final class ExpositionParser {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(Inf|NaN|(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    static final class FormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FormatException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private ExpositionParser() {
    }

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new FormatException(0, "the last line does not end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> types = new HashMap<>();
        Map<String, String> helps = new HashMap<>();
        Set<String> finished = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            int no = i + 1;
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split("[ \t]+", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    if (!METRIC_NAME.matcher(name).matches()) {
                        throw new FormatException(no, "bad metric name " + name);
                    }
                    if (families.containsKey(name) && !families.get(name).samples().isEmpty()) {
                        throw new FormatException(no, parts[1] + " of " + name + " after its samples");
                    }
                    if (parts[1].equals("TYPE")) {
                        String type = parts.length > 3 ? parts[3].strip() : "";
                        if (!TYPES.contains(type)) {
                            throw new FormatException(no, "unknown type " + type);
                        }
                        if (types.put(name, type) != null) {
                            throw new FormatException(no, "second TYPE of " + name);
                        }
                    } else {
                        String help = parts.length > 3 ? unescapeHelp(no, parts[3]) : "";
                        if (helps.put(name, help) != null) {
                            throw new FormatException(no, "second HELP of " + name);
                        }
                    }
                    families.computeIfAbsent(name, n -> new Family(n, null, null, new ArrayList<>()));
                }
                continue;
            }
            Sample s = sample(no, line);
            String family = familyOf(s.name(), types);
            if (!family.equals(current)) {
                if (finished.contains(family)) {
                    throw new FormatException(no, "samples of " + family + " are not contiguous");
                }
                if (current != null) {
                    finished.add(current);
                }
                current = family;
            }
            String key = s.name() + new TreeMap<>(s.labels());
            if (!series.add(key)) {
                throw new FormatException(no, "duplicate series " + key);
            }
            families.computeIfAbsent(family, n -> new Family(n, null, null, new ArrayList<>())).samples().add(s);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        for (Family f : families.values()) {
            String type = types.getOrDefault(f.name(), "untyped");
            Family typed = new Family(f.name(), type, helps.get(f.name()), f.samples());
            check(typed);
            out.put(f.name(), typed);
        }
        return out;
    }

    private static String familyOf(String sample, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return sample;
    }

    private static Sample sample(int no, String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
            i++;
        }
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new FormatException(no, "bad metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i >= line.length()) {
                    throw new FormatException(no, "unterminated label set");
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new FormatException(no, "label without '='");
                }
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                    throw new FormatException(no, "bad label name '" + label + "'");
                }
                i = eq + 1;
                if (i >= line.length() || line.charAt(i) != '"') {
                    throw new FormatException(no, "label value not quoted");
                }
                i++;
                StringBuilder value = new StringBuilder();
                while (true) {
                    if (i >= line.length()) {
                        throw new FormatException(no, "unterminated label value");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= line.length()) {
                            throw new FormatException(no, "dangling backslash");
                        }
                        char e = line.charAt(i++);
                        switch (e) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new FormatException(no, "bad escape \\" + e);
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new FormatException(no, "label " + label + " twice");
                }
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                } else if (i >= line.length() || line.charAt(i) != '}') {
                    throw new FormatException(no, "expected ',' or '}' after a label");
                }
            }
        }
        String[] rest = line.substring(i).strip().split("[ \t]+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new FormatException(no, "expected a value and an optional timestamp: '" + line + "'");
        }
        if (!FLOAT.matcher(rest[0]).matches()) {
            throw new FormatException(no, "bad value '" + rest[0] + "'");
        }
        if (rest.length == 2 && !rest[1].matches("-?\\d+")) {
            throw new FormatException(no, "bad timestamp '" + rest[1] + "'");
        }
        String v = rest[0];
        double value = v.endsWith("Inf") ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : v.endsWith("NaN") ? Double.NaN : Double.parseDouble(v);
        return new Sample(name, labels, value);
    }

    private static String unescapeHelp(int no, String help) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') {
                if (i + 1 >= help.length()) {
                    throw new FormatException(no, "dangling backslash in HELP");
                }
                char e = help.charAt(++i);
                switch (e) {
                    case '\\' -> b.append('\\');
                    case 'n' -> b.append('\n');
                    default -> throw new FormatException(no, "bad escape in HELP \\" + e);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void check(Family f) {
        switch (f.type()) {
            case "counter" -> {
                for (Sample s : f.samples()) {
                    if (!(s.value() >= 0)) {
                        throw new FormatException(0, "counter " + s + " is negative");
                    }
                }
            }
            case "histogram" -> checkHistogram(f);
            default -> {
            }
        }
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new HashMap<>();
        Set<Map<String, String>> sums = new HashSet<>();
        for (Sample s : f.samples()) {
            Map<String, String> key = new TreeMap<>(s.labels());
            if (s.name().endsWith("_bucket")) {
                if (!key.containsKey("le")) {
                    throw new FormatException(0, "bucket without le: " + s);
                }
                key.remove("le");
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(key, s.value());
            } else if (s.name().endsWith("_sum")) {
                sums.add(key);
            } else {
                throw new FormatException(0, "sample " + s.name() + " in histogram " + f.name());
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            double previousBound = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            Sample last = null;
            for (Sample s : e.getValue()) {
                String le = s.labels().get("le");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                if (!(bound > previousBound)) {
                    throw new FormatException(0, "le bounds not increasing at " + s);
                }
                if (s.value() < previousCount) {
                    throw new FormatException(0, "bucket counts not cumulative at " + s);
                }
                previousBound = bound;
                previousCount = s.value();
                last = s;
            }
            if (last == null || !"+Inf".equals(last.labels().get("le"))) {
                throw new FormatException(0, "no +Inf bucket for " + e.getKey());
            }
            if (!counts.containsKey(e.getKey()) || counts.get(e.getKey()) != last.value()) {
                throw new FormatException(0, "_count of " + e.getKey() + " differs from its +Inf bucket");
            }
            if (!sums.contains(e.getKey())) {
                throw new FormatException(0, "no _sum for " + e.getKey());
            }
        }
    }
}
