package io.karst.rpc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of one call (a JSON object, possibly absent), with typed reads that answer bad input with
 * {@link RpcException#INVALID_PARAMS} and a message naming the parameter.
 */
public final class RpcParams {
    private final Map<String, Object> values;

    public RpcParams(Map<String, Object> values) {
        this.values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static RpcParams of(Map<String, Object> values) {
        return new RpcParams(values);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean has(String name) {
        return values.containsKey(name) && values.get(name) != null;
    }

    public Set<String> names() {
        return values.keySet();
    }

    /** Refuses parameters the method does not know (SPDK's decoders do the same). */
    public RpcParams allowOnly(String... names) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        for (String n : names) {
            unknown.remove(n);
        }
        if (!unknown.isEmpty()) {
            throw RpcException.invalidParams("unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown));
        }
        return this;
    }

    public String requiredString(String name) {
        String s = string(name, null);
        if (s == null) {
            throw RpcException.invalidParams("missing parameter " + name);
        }
        return s;
    }

    public String string(String name, String defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof String s)) {
            throw RpcException.invalidParams(name + " must be a string");
        }
        return s;
    }

    public long requiredLong(String name) {
        if (!has(name)) {
            throw RpcException.invalidParams("missing parameter " + name);
        }
        return longValue(name, 0);
    }

    public long longValue(String name, long defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        if (v instanceof BigDecimal d) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                // falls through to the error
            }
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return d.longValue();
        }
        throw RpcException.invalidParams(name + " must be an integer");
    }

    public int intValue(String name, int defaultValue) {
        long v = longValue(name, defaultValue);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw RpcException.invalidParams(name + " is out of range");
        }
        return (int) v;
    }

    public boolean bool(String name, boolean defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof Boolean b)) {
            throw RpcException.invalidParams(name + " must be true or false");
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String name) {
        Object v = values.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw RpcException.invalidParams(name + " must be an object");
        }
        return (Map<String, Object>) m;
    }

    public List<?> list(String name) {
        Object v = values.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> l)) {
            throw RpcException.invalidParams(name + " must be an array");
        }
        return l;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
