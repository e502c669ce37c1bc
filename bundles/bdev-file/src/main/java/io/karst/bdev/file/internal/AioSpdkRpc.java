package io.karst.bdev.file.internal;

import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The file bdev as SPDK's aio bdev: {@code bdev_aio_create {name, filename, block_size, readonly, uuid}}, plus
 * Karst's own {@code direct}, {@code engine} and {@code size}, which a saved configuration carries when they are
 * not the defaults (SPDK's {@code fallocate} and {@code nowait} are accepted and have no effect here).
 */
final class AioSpdkRpc implements SpdkRpcMapping {
    static final AioSpdkRpc INSTANCE = new AioSpdkRpc();

    private AioSpdkRpc() {
    }

    @Override
    public String createMethod() {
        return "bdev_aio_create";
    }

    @Override
    public String deleteMethod() {
        return "bdev_aio_delete";
    }

    @Override
    public Set<String> createParameters() {
        return Set.of("name", "filename", "block_size", "readonly", "fallocate", "uuid", "nowait",
                FileBdevConfig.DIRECT, FileBdevConfig.ENGINE, BdevType.SIZE);
    }

    @Override
    public Map<String, String> toParameters(Map<String, Object> p) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(FileBdevConfig.FILENAME, SpdkRpcMapping.string(p, "filename", true));
        if (p.get(BdevType.BLOCK_SIZE) != null) {
            out.put(BdevType.BLOCK_SIZE, Long.toString(SpdkRpcMapping.integer(p, BdevType.BLOCK_SIZE, false, 512)));
        }
        Boolean readonly = SpdkRpcMapping.bool(p, "readonly");
        if (readonly != null) {
            out.put(FileBdevConfig.READONLY, readonly.toString());
        }
        SpdkRpcMapping.bool(p, "fallocate");
        SpdkRpcMapping.bool(p, "nowait");
        Boolean direct = SpdkRpcMapping.bool(p, FileBdevConfig.DIRECT);
        if (direct != null) {
            out.put(FileBdevConfig.DIRECT, direct.toString());
        }
        String engine = SpdkRpcMapping.string(p, FileBdevConfig.ENGINE, false);
        if (engine != null) {
            out.put(FileBdevConfig.ENGINE, engine);
        }
        if (p.get(BdevType.SIZE) != null) {
            out.put(BdevType.SIZE, Long.toString(SpdkRpcMapping.integer(p, BdevType.SIZE, false, 0)));
        }
        String uuid = SpdkRpcMapping.string(p, BdevType.UUID, false);
        if (uuid != null) {
            out.put(BdevType.UUID, uuid);
        }
        return out;
    }

    @Override
    public Map<String, Object> toSpdkParameters(String name, Map<String, String> c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("filename", c.get(FileBdevConfig.FILENAME));
        out.put("block_size", Long.parseLong(c.getOrDefault(BdevType.BLOCK_SIZE, "512")));
        if (Boolean.parseBoolean(c.get(FileBdevConfig.READONLY))) {
            out.put("readonly", true);
        }
        if (Boolean.parseBoolean(c.get(FileBdevConfig.DIRECT))) {
            out.put(FileBdevConfig.DIRECT, true);
        }
        String engine = c.get(FileBdevConfig.ENGINE);
        if (engine != null && !engine.equals("auto")) {
            out.put(FileBdevConfig.ENGINE, engine);
        }
        if (c.get(BdevType.SIZE) != null) {
            out.put(BdevType.SIZE, Long.parseLong(c.get(BdevType.SIZE)));
        }
        if (c.get(BdevType.UUID) != null) {
            out.put("uuid", c.get(BdevType.UUID));
        }
        return out;
    }
}
