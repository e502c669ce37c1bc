package io.karst.bdev.nulldev;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.spi.Iov;
import java.util.UUID;

/** A null bdev: writes vanish, reads return zeroes, everything completes at once on the submitting thread. */
public final class NullBdev implements BlockDevice, DeviceChannel {
    static final String MODULE = "null";

    private final BdevProperties properties;
    private volatile BdevHost host;

    public NullBdev(String name, UUID uuid, int blockSize, long blockCount) {
        this.properties = BdevProperties.builder(name, MODULE).uuid(uuid).productName("Null disk")
                .blockSize(blockSize).blockCount(blockCount).unmapReadsZeroes(true)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP, IoType.WRITE_ZEROES, IoType.RESET)
                .build();
    }

    @Override
    public BdevProperties properties() {
        return properties;
    }

    @Override
    public DeviceChannel openChannel() {
        return this;
    }

    @Override
    public void attach(BdevHost h) {
        host = h;
    }

    @Override
    public void submit(BdevIo io) {
        if (io.type() == IoType.READ) {
            Iov.zero(io.iov());
        }
        io.complete(IoStatus.SUCCESS);
    }

    /** A null bdev can take any size at once. */
    public void resize(long newBlockCount) {
        BdevHost h = host;
        if (h != null) {
            h.resized(newBlockCount);
        }
    }
}
