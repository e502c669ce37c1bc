package io.karst.bdev.nulldev;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import java.nio.file.Path;
import java.util.UUID;

class NullConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) {
        return new NullBdev(name, UUID.randomUUID(), blockSize, blockCount);
    }

    @Override
    protected boolean storesData() {
        return false;
    }
}
