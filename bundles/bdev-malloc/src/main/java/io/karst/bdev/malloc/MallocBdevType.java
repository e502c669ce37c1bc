package io.karst.bdev.malloc;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SizedSpdkRpc;
import io.karst.bdev.spi.SpdkRpcMapping;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** The {@code malloc} type: what users give to create a RAM bdev, and its checks. */
@Component(service = BdevType.class)
public final class MallocBdevType implements BdevType {
    static final String PID = "io.karst.bdev.malloc";

    @Override
    public String name() {
        return MallocBdev.MODULE;
    }

    @Override
    public String description() {
        return "RAM disk in off-heap memory (contents are lost on restart)";
    }

    @Override
    public String factoryPid() {
        return PID;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(
                new Parameter(SIZE, "size, e.g. 64M or 1G", Parameter.Kind.SIZE, true, null),
                new Parameter(BLOCK_SIZE, "logical block size in bytes (512 or 4096, ...)", Parameter.Kind.INTEGER,
                        false, "512"));
    }

    @Override
    public boolean resizable() {
        return true;
    }

    @Override
    public SpdkRpcMapping spdkRpc() {
        return SizedSpdkRpc.MALLOC;
    }

    @Override
    public Map<String, Object> configure(Map<String, String> params) {
        long size = Long.parseLong(params.get(SIZE));
        int blockSize = BdevProperties.requireBlockSize(Long.parseLong(params.get(BLOCK_SIZE)));
        BdevProperties.requireBlocks(size, blockSize);
        return Map.of(SIZE, Long.toString(size), BLOCK_SIZE, Integer.toString(blockSize));
    }
}
