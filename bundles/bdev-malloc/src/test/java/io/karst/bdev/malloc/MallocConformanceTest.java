package io.karst.bdev.malloc;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import java.nio.file.Path;
import java.util.UUID;

class MallocConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) {
        return new MallocBdev(name, UUID.randomUUID(), blockSize, blockCount);
    }

    @Override
    protected void destroyDevice(BlockDevice device) {
        ((MallocBdev) device).destroy();
    }
}
