package io.karst.bdev.file.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import java.nio.file.Path;
import java.util.UUID;

/** The conformance kit with io_uring rings in owned mode (ring thread as single issuer, deferred task work). */
class OwnedRingConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) throws Exception {
        assumeTrue(TestShim.get().uringAvailable(), "io_uring unavailable: " + TestShim.get().uringUnavailableReason());
        FileBdev bdev = FileBdev.open(new FileBdevConfig(name, UUID.randomUUID(), dir.resolve(name + ".img"),
                blockSize, blockSize * blockCount, false, false, FileBdevConfig.Engine.URING),
                TestShim.get(), FileBdev.DEFAULT_RING_ENTRIES,
                RingMode.OWNED);
        return bdev;
    }

    @Override
    protected void destroyDevice(BlockDevice device) {
        ((FileBdev) device).close();
    }
}
