package io.karst.tcmur.internal;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import io.karst.handler.ram.RamHandler;
import java.nio.file.Path;

/** The Java ram handler (asynchronous, nr_threads 0) through the host passes the conformance kit. */
class JavaRamHandlerConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) throws Exception {
        return JavaFileHandlerConformanceTest.open(new JavaHandlerBackend(new RamHandler(), "test"), name, "ram/",
                blockSize, blockCount);
    }

    @Override
    protected void destroyDevice(BlockDevice device) {
        TcmurBdev b = (TcmurBdev) device;
        b.stopWorkers();
        b.device.close();
    }
}
