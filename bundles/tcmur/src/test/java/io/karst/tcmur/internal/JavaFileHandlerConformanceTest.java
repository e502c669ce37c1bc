package io.karst.tcmur.internal;

import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import io.karst.handler.file.FileHandler;
import java.nio.file.Path;
import java.util.UUID;

/** The Java file handler (nr_threads 2) through the host passes the bdev module conformance kit. */
class JavaFileHandlerConformanceTest extends BdevConformanceTest {
    @Override
    protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) throws Exception {
        return open(new JavaHandlerBackend(new FileHandler(), "test"), name, "file/" + dir.resolve(name + ".img"),
                blockSize, blockCount);
    }

    static TcmurBdev open(HandlerBackend h, String name, String cfg, int blockSize, long blockCount)
            throws Exception {
        DeviceBackend d = h.open(new HandlerBackend.DeviceSpec(name, cfg, blockSize * blockCount, blockSize, 2048,
                false, ""), 128);
        TcmurBdev b = new TcmurBdev(name, UUID.randomUUID(), h, d, 128);
        b.start(d::bind);
        return b;
    }

    @Override
    protected void destroyDevice(BlockDevice device) {
        TcmurBdev b = (TcmurBdev) device;
        b.stopWorkers();
        b.device.close();
    }
}
