package io.karst.rpc.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * JSON text to and from plain Java values, the representation of the RPC API: {@link Map} (objects, keys in document
 * order), {@link List} (arrays), {@link String}, {@link Number} ({@code Integer}, {@code Long} or {@code BigInteger}
 * for integers of any size; {@code Double} for other numbers, {@code BigDecimal} where a double would overflow),
 * {@link Boolean} and {@code null}.
 */
public final class JsonValues {
    /** Objects and arrays may nest this deep; RPC parameters and configurations need far less. */
    public static final int MAX_NESTING_DEPTH = 256;

    private JsonValues() {
    }

    /** A parser factory for values of at most about {@code maxBytes} (which the caller checks as it feeds them). */
    static JsonFactory factory(int maxBytes) {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        // past the caller's own bound on bytes, which is checked after every chunk fed
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBytes + (4L << 20)))
                        .build())
                .build();
    }

    private static final JsonFactory FACTORY = factory(64 << 20);

    /** Parses one JSON value; anything after it but whitespace is an error. */
    public static Object parse(String text) throws JsonDecodeException {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses one JSON value from UTF-8 bytes; anything after it but whitespace is an error. */
    public static Object parse(byte[] utf8) throws JsonDecodeException {
        try (JsonParser p = FACTORY.createParser(utf8)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new JsonDecodeException(JsonDecodeException.Kind.INCOMPLETE, "no JSON value (empty input)");
            }
            ValueAssembler assembler = new ValueAssembler();
            Object value = null;
            boolean done = false;
            for (JsonToken t = first; t != null; t = p.nextToken()) {
                if (assembler.accept(p, t)) {
                    value = assembler.take();
                    done = true;
                    break;
                }
            }
            if (!done) {
                throw new JsonDecodeException(JsonDecodeException.Kind.INCOMPLETE, "incomplete JSON value");
            }
            if (p.nextToken() != null) {
                throw new JsonDecodeException(JsonDecodeException.Kind.PARSE, "unexpected content after the JSON value at "
                        + describe(p));
            }
            return value;
        } catch (JsonDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw JsonDecodeException.of(e);
        }
    }

    static String describe(JsonParser p) {
        var loc = p.currentTokenLocation();
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** Compact JSON. */
    public static String write(Object value) {
        return new String(toBytes(value, false), StandardCharsets.UTF_8);
    }

    /** Indented JSON in the layout of Python's {@code json.dumps(indent=2)} (what SPDK's tools print). */
    public static String writePretty(Object value) {
        return new String(toBytes(value, true), StandardCharsets.UTF_8);
    }

    public static byte[] toBytes(Object value, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            write(value, out, pretty);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static void write(Object value, OutputStream out, boolean pretty) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            if (pretty) {
                g.setPrettyPrinter(pythonStyle());
            }
            writeValue(g, value, 0);
        }
    }

    private static DefaultPrettyPrinter pythonStyle() {
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(indenter).withArrayIndenter(indenter);
    }

    /**
     * Writes a value of the plain representation. Besides it, enums (by name), UUIDs and other {@link CharSequence}s
     * (as strings), arrays and {@link Iterable}s (as arrays) are accepted; anything else is an error.
     */
    static void writeValue(JsonGenerator g, Object value, int depth) throws IOException {
        if (depth > MAX_NESTING_DEPTH) {
            throw new IllegalArgumentException("value nests deeper than " + MAX_NESTING_DEPTH);
        }
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigInteger b) {
            g.writeNumber(b);
        } else if (value instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Number n) {
            // AtomicLong, LongAdder, ...: integral ones keep every digit
            g.writeNumber(new BigDecimal(n.toString()));
        } else if (value instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                writeValue(g, e.getValue(), depth + 1);
            }
            g.writeEndObject();
        } else if (value instanceof Iterable<?> it) {
            g.writeStartArray();
            for (Object o : it) {
                writeValue(g, o, depth + 1);
            }
            g.writeEndArray();
        } else if (value.getClass().isArray()) {
            g.writeStartArray();
            int n = Array.getLength(value);
            for (int i = 0; i < n; i++) {
                writeValue(g, Array.get(value, i), depth + 1);
            }
            g.writeEndArray();
        } else if (value instanceof Enum<?> e) {
            g.writeString(e.name());
        } else if (value instanceof CharSequence || value instanceof UUID) {
            g.writeString(value.toString());
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    /**
     * Whether two plain values are the same JSON: numbers compare by value ({@code 512}, {@code 512L} and
     * {@code 512.0} are equal), objects by their members regardless of order.
     */
    public static boolean jsonEquals(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return numberCompare(x, y) == 0;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !jsonEquals(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            Iterator<?> i = x.iterator();
            Iterator<?> j = y.iterator();
            while (i.hasNext()) {
                if (!jsonEquals(i.next(), j.next())) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    /** Whether every member of {@code part} is in {@code whole} with an equal value (JSON-equal, see above). */
    public static boolean containsAll(Map<?, ?> whole, Map<?, ?> part) {
        for (Map.Entry<?, ?> e : part.entrySet()) {
            if (!whole.containsKey(e.getKey()) || !jsonEquals(e.getValue(), whole.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static int numberCompare(Number x, Number y) {
        try {
            return toBigDecimal(x).compareTo(toBigDecimal(y));
        } catch (NumberFormatException e) {
            // NaN or infinities
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
    }

    private static BigDecimal toBigDecimal(Number n) {
        if (n instanceof BigDecimal d) {
            return d;
        }
        if (n instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (n instanceof Double || n instanceof Float) {
            return BigDecimal.valueOf(n.doubleValue());
        }
        return new BigDecimal(n.toString());
    }

    /** Builds plain values from a token stream; one instance per stream, reused value after value. */
    static final class ValueAssembler {
        private final List<Object> stack = new ArrayList<>();
        private final List<String> keys = new ArrayList<>();
        private Object completed;

        /** Feeds the parser's current token; true when it completed a top-level value (get it with {@link #take()}). */
        boolean accept(JsonParser p, JsonToken t) throws IOException {
            switch (t) {
                case START_OBJECT -> {
                    stack.add(new java.util.LinkedHashMap<String, Object>());
                    keys.add(null);
                    return false;
                }
                case START_ARRAY -> {
                    stack.add(new ArrayList<Object>());
                    keys.add(null);
                    return false;
                }
                case FIELD_NAME -> {
                    keys.set(keys.size() - 1, p.currentName());
                    return false;
                }
                case END_OBJECT, END_ARRAY -> {
                    Object done = stack.remove(stack.size() - 1);
                    keys.remove(keys.size() - 1);
                    return add(done);
                }
                case VALUE_STRING -> {
                    return add(p.getText());
                }
                case VALUE_NUMBER_INT -> {
                    return add(p.getNumberValue());
                }
                case VALUE_NUMBER_FLOAT -> {
                    double d = p.getDoubleValue();
                    return add(Double.isInfinite(d) ? p.getDecimalValue() : (Object) d);
                }
                case VALUE_TRUE -> {
                    return add(Boolean.TRUE);
                }
                case VALUE_FALSE -> {
                    return add(Boolean.FALSE);
                }
                case VALUE_NULL -> {
                    return add(null);
                }
                default -> throw new IllegalStateException("unexpected token " + t);
            }
        }

        @SuppressWarnings("unchecked")
        private boolean add(Object value) {
            if (stack.isEmpty()) {
                completed = value;
                return true;
            }
            Object parent = stack.get(stack.size() - 1);
            if (parent instanceof Map<?, ?> m) {
                ((Map<String, Object>) m).put(keys.get(keys.size() - 1), value);
            } else {
                ((List<Object>) parent).add(value);
            }
            return false;
        }

        Object take() {
            Object v = completed;
            completed = null;
            return v;
        }

        boolean inValue() {
            return !stack.isEmpty();
        }

        void reset() {
            stack.clear();
            keys.clear();
            completed = null;
        }
    }
}
