package io.karst.bdev.file.internal;

import io.karst.bdev.spi.BdevConfig;
import io.karst.bdev.spi.BdevType;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The configuration of one file bdev, as stored in its Configuration Admin factory configuration: the bdev's
 * name and UUID plus the file type's parameters.
 *
 * @param size bytes of the device when given (a regular file is created or extended to it), else -1: the size of
 *             the file or block device
 */
public record FileBdevConfig(String name, UUID uuid, Path filename, int blockSize, long size, boolean direct,
                             boolean readOnly, Engine engine) {

    public static final String FILENAME = "filename";
    public static final String DIRECT = "direct";
    public static final String READONLY = "readonly";
    public static final String ENGINE = "engine";

    /** How I/O reaches the file. */
    public enum Engine {
        /** io_uring where it can be set up, else threads. */
        AUTO,
        /** io_uring rings, one per channel; an error when they cannot be set up. */
        URING,
        /** a small pool of threads doing positional I/O through {@link java.nio.channels.FileChannel}. */
        THREADS;

        static Engine parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("engine must be auto, uring or threads, not '" + s + "'");
            }
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FileBdevConfig {
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block_size must be a power of two from 512 to 65536, not " + blockSize);
        }
        if (size != -1 && (size <= 0 || size % blockSize != 0)) {
            throw new IllegalArgumentException("size must be a positive multiple of block_size " + blockSize
                    + ", not " + size);
        }
    }

    /** Reads a stored configuration (values may be strings, numbers or booleans). */
    public static FileBdevConfig from(Map<String, ?> properties) {
        BdevConfig c = new BdevConfig(properties);
        String name = c.name();
        Path filename = path(c.requiredString(FILENAME));
        int blockSize = c.blockSize(512);
        long size = properties.get(BdevType.SIZE) == null || properties.get(BdevType.SIZE).toString().isBlank()
                ? -1 : c.size(BdevType.SIZE, -1);
        return new FileBdevConfig(name, c.uuid(), filename, blockSize, size, c.bool(DIRECT, false),
                c.bool(READONLY, false), Engine.parse(c.string(ENGINE, "auto")));
    }

    /** Reads the parameters of a bdev still to be created (no name or UUID yet). */
    static FileBdevConfig fromParameters(Map<String, ?> parameters) {
        Map<String, Object> m = new LinkedHashMap<>(parameters);
        m.put(BdevType.NAME, "unnamed");
        m.remove(BdevType.UUID);
        return from(m);
    }

    static Path path(String s) {
        try {
            Path p = Path.of(s.trim());
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("filename must be an absolute path, not '" + s + "'");
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a file name: '" + s + "'");
        }
    }

    /** The type's own properties (without name and UUID), as {@link BdevType#configure} returns them. */
    public Map<String, Object> typeProperties() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(FILENAME, filename.toString());
        m.put(BdevType.BLOCK_SIZE, blockSize);
        if (size != -1) {
            m.put(BdevType.SIZE, size);
        }
        m.put(DIRECT, direct);
        m.put(READONLY, readOnly);
        m.put(ENGINE, engine.configName());
        return m;
    }

    public FileBdevConfig withSize(long newSize) {
        return new FileBdevConfig(name, uuid, filename, blockSize, newSize, direct, readOnly, engine);
    }

    /** Whether two configurations differ in more than the size (which is the only thing changed live). */
    boolean differsBeyondSize(FileBdevConfig other) {
        return !withSize(-1).equals(other.withSize(-1));
    }
}
