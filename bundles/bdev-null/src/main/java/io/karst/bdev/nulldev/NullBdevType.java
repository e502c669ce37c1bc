package io.karst.bdev.nulldev;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.spi.BdevType;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** The {@code null} type. */
@Component(service = BdevType.class)
public final class NullBdevType implements BdevType {
    static final String PID = "io.karst.bdev.null";

    @Override
    public String name() {
        return NullBdev.MODULE;
    }

    @Override
    public String description() {
        return "discards writes and reads zeroes (for testing the layers above)";
    }

    @Override
    public String factoryPid() {
        return PID;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(
                new Parameter(SIZE, "size, e.g. 1G or 1T", Parameter.Kind.SIZE, true, null),
                new Parameter(BLOCK_SIZE, "logical block size in bytes", Parameter.Kind.INTEGER, false, "512"));
    }

    @Override
    public boolean resizable() {
        return true;
    }

    @Override
    public Map<String, Object> configure(Map<String, String> params) {
        long size = Long.parseLong(params.get(SIZE));
        long blockSize = Long.parseLong(params.get(BLOCK_SIZE));
        checkGeometry(size, blockSize);
        return Map.of(SIZE, Long.toString(size), BLOCK_SIZE, Long.toString(blockSize));
    }

    static void checkGeometry(long size, long blockSize) {
        if (blockSize < 512 || blockSize > 65536 || Long.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two from 512 to 65536, not "
                    + blockSize);
        }
        if (size <= 0 || size % blockSize != 0) {
            throw new IllegalArgumentException("size must be a positive multiple of the block size (" + blockSize
                    + ")");
        }
    }
}
