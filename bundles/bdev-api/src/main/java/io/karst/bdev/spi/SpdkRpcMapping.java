package io.karst.bdev.spi;

import java.util.Map;
import java.util.Set;

/**
 * How a bdev type is created and deleted through SPDK's JSON-RPC methods, and how its configuration is saved in
 * SPDK's configuration format. The RPC layer turns this into the {@code <create>} and {@code <delete>} methods and
 * the {@code bdev} entries of {@code save_config}; a type without a mapping has no SPDK method.
 *
 * <p>SPDK's parameters arrive as decoded JSON (strings, numbers, booleans); Karst's are the type's own parameter
 * names with string values, as {@code bdev:create name=value} takes them.
 */
public interface SpdkRpcMapping {
    /** SPDK's create method, e.g. {@code bdev_malloc_create}. */
    String createMethod();

    /** SPDK's delete method, e.g. {@code bdev_malloc_delete}. */
    String deleteMethod();

    /** The parameter names SPDK's create method takes; others are refused. */
    Set<String> createParameters();

    /**
     * The name of the bdev a create call makes: SPDK's {@code name} parameter by default (some types derive it,
     * e.g. error bdevs are named after their base); {@code null} asks for a generated name.
     *
     * @throws IllegalArgumentException when the call does not name one
     */
    default String nameOf(Map<String, Object> spdkParams) {
        Object name = spdkParams.get("name");
        if (name == null && generatedNamePrefix() != null) {
            return null;
        }
        if (!(name instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException(name == null ? "missing parameter name" : "name must be a string");
        }
        return s;
    }

    /**
     * When SPDK names the bdev itself if the call gives no name ({@code Malloc0}, {@code Malloc1}, ...): the prefix,
     * to which the RPC layer appends the lowest free number; {@code null} when a name is required.
     */
    default String generatedNamePrefix() {
        return null;
    }

    /**
     * SPDK's create parameters as Karst parameters of the type (without the name; with {@code uuid} when given).
     *
     * @throws IllegalArgumentException naming the parameter that is missing or of the wrong type
     */
    Map<String, String> toParameters(Map<String, Object> spdkParams);

    /** The SPDK create parameters that recreate a bdev from its stored configuration (for save_config). */
    Map<String, Object> toSpdkParameters(String name, Map<String, String> configuration);

    /** Reads an integer parameter of a decoded SPDK call. */
    static long integer(Map<String, Object> p, String name, boolean required, long defaultValue) {
        Object v = p.get(name);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("missing parameter " + name);
            }
            return defaultValue;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        throw new IllegalArgumentException(name + " must be an integer");
    }

    /** Refuses a parameter SPDK knows but Karst does not implement, unless it has SPDK's default value. */
    static void unsupportedUnless(Map<String, Object> p, String name, Object defaultValue) {
        Object v = p.get(name);
        if (v != null && !v.equals(defaultValue)
                && !(v instanceof Number n && defaultValue instanceof Number d && n.longValue() == d.longValue())) {
            throw new IllegalArgumentException(name + " = " + v + " is not supported");
        }
    }

    /** Reads a string parameter of a decoded SPDK call. */
    static String string(Map<String, Object> p, String name, boolean required) {
        Object v = p.get(name);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("missing parameter " + name);
            }
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return s;
    }

    /** Reads a boolean parameter of a decoded SPDK call. */
    static Boolean bool(Map<String, Object> p, String name) {
        Object v = p.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(name + " must be true or false");
        }
        return b;
    }
}
