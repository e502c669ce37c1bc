package io.karst.bdev.spi;

import java.util.Map;
import java.util.UUID;

/** Typed reads of a bdev configuration (Configuration Admin properties, which may arrive as strings). */
public final class BdevConfig {
    private final Map<String, ?> properties;

    public BdevConfig(Map<String, ?> properties) {
        this.properties = properties;
    }

    public String name() {
        return BdevProperties.requireName(string(BdevType.NAME, null));
    }

    public UUID uuid() {
        String s = string(BdevType.UUID, null);
        return s == null || s.isBlank() ? null : UUID.fromString(s.trim());
    }

    public String string(String key, String defaultValue) {
        Object v = properties.get(key);
        return v == null ? defaultValue : v.toString();
    }

    public String requiredString(String key) {
        String v = string(key, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("configuration of " + properties.get(BdevType.NAME) + " lacks '"
                    + key + "'");
        }
        return v.trim();
    }

    public long size(String key, long defaultValue) {
        Object v = properties.get(key);
        return v == null ? defaultValue : Sizes.parse(v);
    }

    public int integer(String key, int defaultValue) {
        long v = size(key, defaultValue);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(key + " out of range: " + v);
        }
        return (int) v;
    }

    public long longValue(String key, long defaultValue) {
        Object v = properties.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(v.toString().trim());
    }

    public boolean bool(String key, boolean defaultValue) {
        Object v = properties.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        return Boolean.parseBoolean(v.toString().trim());
    }

    public int blockSize(int defaultValue) {
        return integer(BdevType.BLOCK_SIZE, defaultValue);
    }
}
