package io.karst.bdev.virtual.internal;

import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.testkit.BdevConformanceTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Nested;

/** The conformance kit through each virtual module stacked on a RAM bdev. */
class StackedConformanceTests {
    abstract static class OverMalloc extends BdevConformanceTest {
        private final List<MallocBdev> bases = new ArrayList<>();

        abstract StackedBdev stack(String name, String base, StackedBdev.Registrar registrar);

        @Override
        protected BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir) {
            MallocBdev base = new MallocBdev(name + "_base", UUID.randomUUID(), blockSize, blockCount);
            bases.add(base);
            harness.register(base);
            StackedBdev[] self = new StackedBdev[1];
            // the kit registers the device itself; unregistering goes through the harness too
            StackedBdev s = stack(name, base.properties().name(), device -> () -> harness.unregister(self[0]));
            self[0] = s;
            s.start();
            return s;
        }

        @Override
        protected void destroyDevice(BlockDevice device) {
            ((StackedBdev) device).stop();
            if (device instanceof DelayBdev d) {
                d.shutdown();
            }
        }
    }

    @Nested
    class Passthru extends OverMalloc {
        @Override
        StackedBdev stack(String name, String base, StackedBdev.Registrar registrar) {
            return new PassthruBdev(name, UUID.randomUUID(), base, harness.registry(), registrar);
        }
    }

    @Nested
    class Delay extends OverMalloc {
        @Override
        StackedBdev stack(String name, String base, StackedBdev.Registrar registrar) {
            return new DelayBdev(name, UUID.randomUUID(), base, new DelayBdev.Latencies(20, 200, 30, 300, 10),
                    harness.registry(), registrar);
        }
    }

    @Nested
    class Error extends OverMalloc {
        @Override
        StackedBdev stack(String name, String base, StackedBdev.Registrar registrar) {
            return new ErrorBdev(name, UUID.randomUUID(), base, harness.registry(), registrar);
        }
    }
}
