package io.karst.bdev.nulldev;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SizedSpdkRpc;
import io.karst.bdev.spi.SpdkRpcMapping;
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
    public SpdkRpcMapping spdkRpc() {
        return SizedSpdkRpc.NULL;
    }

    @Override
    public Map<String, Object> configure(Map<String, String> params) {
        long size = Long.parseLong(params.get(SIZE));
        int blockSize = BdevProperties.requireBlockSize(Long.parseLong(params.get(BLOCK_SIZE)));
        BdevProperties.requireBlocks(size, blockSize);
        return Map.of(SIZE, Long.toString(size), BLOCK_SIZE, Integer.toString(blockSize));
    }
}
