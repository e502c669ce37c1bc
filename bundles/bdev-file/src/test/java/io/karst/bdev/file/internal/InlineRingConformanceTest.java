package io.karst.bdev.file.internal;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import java.nio.file.Path;
import java.util.UUID;

/** The conformance kit on a file bdev with the io_uring engine (a sparse file in the test's temp directory). */
class UringConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) throws Exception {
        FileBdev bdev = FileBdev.open(new FileBdevConfig(name, UUID.randomUUID(), dir.resolve(name + ".img"),
                blockSize, blockSize * blockCount, false, false, FileBdevConfig.Engine.URING), TestShim.get());
        return bdev;
    }

    @Override
    protected void destroyDevice(BlockDevice device) {
        ((FileBdev) device).close();
    }
}
