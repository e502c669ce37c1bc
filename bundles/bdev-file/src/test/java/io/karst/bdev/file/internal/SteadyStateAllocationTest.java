package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.SimpleBdevIo;
import io.karst.bdev.spi.DeviceChannel;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reads and writes in steady state allocate nothing on the threads that submit and complete them. */
class SteadyStateAllocationTest {
    private static final int BS = 4096;
    private static final long BLOCKS = 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void requestsAllocateNothingOnceWarm(RingMode mode) throws Exception {
        assumeTrue(TestShim.get().uringAvailable());
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported());
        FileBdev b = FileBdev.open(TestShim.config("Alloc", dir.resolve("a.img"), BS, BLOCKS * BS,
                FileBdevConfig.Engine.URING), TestShim.get(), 64, mode);
        try {
            DeviceChannel ch = b.openChannel();
            LoopIo[] ios = new LoopIo[16];
            for (int i = 0; i < ios.length; i++) {
                ios[i] = new LoopIo(ch, i);
            }
            new Run(ios).go(50_000); // warm up: JIT, the slots' bounce buffers
            Thread ring = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("karst-file-Alloc-ring")).findFirst().orElseThrow();
            int ops = 200_000;
            Run run = new Run(ios);
            long ringBefore = mx.getThreadAllocatedBytes(ring.getId());
            long hereBefore = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            run.go(ops);
            long ringBytes = mx.getThreadAllocatedBytes(ring.getId()) - ringBefore;
            long hereBytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - hereBefore;
            // waiting for the run may allocate a little; anything per request would show as hundreds of KB
            assertThat(ringBytes + hereBytes).as("bytes allocated for %d requests (ring thread %d, submitter %d)",
                    ops, ringBytes, hereBytes).isLessThan(4096);
            ch.close();
        } finally {
            b.close();
        }
    }

    /** One run: {@code total} requests, each completion submitting the next (reads and writes mixed). */
    private static final class Run {
        final LoopIo[] ios;
        final AtomicLong left = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong idle = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);

        Run(LoopIo[] ios) {
            this.ios = ios;
        }

        void go(int total) throws InterruptedException {
            left.set(total);
            for (LoopIo io : ios) {
                io.run = this;
            }
            for (LoopIo io : ios) {
                io.next();
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(failed.get()).isZero();
        }
    }

    /** A request that submits itself again from its completion until the run is over. */
    private static final class LoopIo extends SimpleBdevIo {
        private final DeviceChannel ch;
        Run run;
        private long seq;

        LoopIo(DeviceChannel ch, int index) {
            super(IoType.READ, 0, 1, BS, new ByteBuffer[]{index % 2 == 0 ? TestIo.aligned(BS)
                    : ByteBuffer.allocate(BS)}, 0); // direct and heap buffers
            this.ch = ch;
            this.seq = index * 7919L;
        }

        void next() {
            Run r = run;
            if (r.left.getAndDecrement() <= 0) {
                if (r.idle.incrementAndGet() == r.ios.length) {
                    r.done.countDown();
                }
                return;
            }
            seq = seq * 6364136223846793005L + 1442695040888963407L;
            offsetBlocks = Long.remainderUnsigned(seq >>> 16, BLOCKS);
            type = (seq & 3) == 0 ? IoType.WRITE : IoType.READ;
            ch.submit(this);
        }

        @Override
        public void complete(IoStatus status) {
            if (status != IoStatus.SUCCESS) {
                run.failed.incrementAndGet();
            }
            next();
        }







    }
}
