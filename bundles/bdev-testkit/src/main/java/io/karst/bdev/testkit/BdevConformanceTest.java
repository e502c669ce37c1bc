package io.karst.bdev.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.spi.BlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance kit every bdev module passes, run through the real bdev core: data integrity under concurrent
 * I/O, bounds and alignment errors, read-only access, flush, unmap and write-zeroes, compare-and-write, claims,
 * hot-remove with I/O in flight, and reopening — each with 512- and 4096-byte blocks.
 *
 * <p>A module's test extends this class and says how to make (and afterwards free) its device.
 */
public abstract class BdevConformanceTest {
    /** {@code -Plong}: soak lengths instead of the default suite's bounded slice. */
    protected static final boolean LONG = Boolean.getBoolean("karst.long");

    /** Size of the devices the kit creates. */
    protected static final long DEVICE_BYTES = 8L << 20;

    @TempDir
    protected Path tempDir;

    protected BdevHarness harness;
    private final List<BlockDevice> created = new ArrayList<>();
    private final List<BdevDescriptor> opened = new ArrayList<>();
    private int counter;

    /** Creates a device of the module with the given geometry (not yet registered). */
    protected abstract BlockDevice createDevice(String name, int blockSize, long blockCount, Path dir)
            throws Exception;

    /** Releases what the module's component releases after its device was unregistered. */
    protected void destroyDevice(BlockDevice device) throws Exception {
    }

    /** Whether the module can make devices of this block size. */
    protected boolean supportsBlockSize(int blockSize) {
        return true;
    }

    /** Whether written data reads back (false for a null device). */
    protected boolean storesData() {
        return true;
    }

    @BeforeEach
    void startHarness() {
        harness = new BdevHarness();
    }

    @AfterEach
    void stopHarness() throws Exception {
        for (BdevDescriptor d : opened) {
            d.close();
        }
        harness.close();
        for (BlockDevice d : created) {
            destroyDevice(d);
        }
    }

    protected Bdev newBdev(int blockSize) throws Exception {
        assumeTrue(supportsBlockSize(blockSize), "module does not support " + blockSize + "-byte blocks");
        BlockDevice device = createDevice("Conf" + counter++, blockSize, DEVICE_BYTES / blockSize, tempDir);
        created.add(device);
        return harness.register(device);
    }

    protected BlockDevice lastDevice() {
        return created.get(created.size() - 1);
    }

    protected BdevDescriptor open(Bdev bdev, OpenOptions options) {
        BdevDescriptor d = harness.registry().open(bdev.name(), options);
        opened.add(d);
        return d;
    }

    protected ByteBuffer buffer(Bdev bdev, long blocks) {
        return Patterns.aligned((int) (blocks * bdev.blockSize()), Math.max(bdev.requiredAlignment(), 8));
    }

    private long sum(Bdev b) {
        return b.statistics().byType().values().stream().mapToLong(s -> s.ops()).sum();
    }

    // ------------------------------------------------------------------ geometry

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void reportsItsGeometryAndIsListed(int bs) throws Exception {
        Bdev b = newBdev(bs);
        assertThat(b.blockSize()).isEqualTo(bs);
        assertThat(b.blockCount()).isEqualTo(DEVICE_BYTES / bs);
        assertThat(b.sizeBytes()).isEqualTo(DEVICE_BYTES);
        assertThat(b.ioTypes()).contains(IoType.READ);
        assertThat(Integer.bitCount(b.requiredAlignment())).isEqualTo(1);
        assertThat(harness.registry().bdevs()).extracting(Bdev::name).contains(b.name());
        assertThat(harness.registry().find(b.name())).containsSame(b);
        assertThat(b.uuid()).isNotNull();
    }

    // ------------------------------------------------------------------ data

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void writtenDataReadsBack(int bs) throws Exception {
        Bdev b = newBdev(bs);
        assumeTrue(storesData() && b.supports(IoType.WRITE));
        IoChannel ch = open(b, OpenOptions.readWrite("conformance")).openChannel();
        long last = b.blockCount() - 1;
        for (long[] range : new long[][]{{0, 1}, {5, 8}, {last, 1}, {last - 255, 256}}) {
            ByteBuffer w = buffer(b, range[1]);
            Patterns.fill(w, bs, range[0], range[1], 11);
            assertThat(SyncIo.write(ch, w, range[0], range[1])).isEqualTo(IoStatus.SUCCESS);
            ByteBuffer r = buffer(b, range[1]);
            assertThat(SyncIo.read(ch, r, range[0], range[1])).isEqualTo(IoStatus.SUCCESS);
            assertThat(Patterns.firstMismatch(r, bs, range[0], range[1], 11)).isEqualTo(-1);
        }
        // heap buffers, and a scatter-gather list of unequal segments
        ByteBuffer heap = ByteBuffer.allocate(4 * bs);
        Patterns.fill(heap, bs, 40, 4, 12);
        assertThat(SyncIo.write(ch, heap, 40, 4)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer whole = buffer(b, 4);
        int align = Math.max(b.requiredAlignment(), 8);
        int cut = Math.max(align, bs / 2 / align * align);
        ByteBuffer[] iov = {whole.slice(0, cut), whole.slice(cut, 2 * bs - cut), whole.slice(2 * bs, 2 * bs)};
        assertThat(SyncIo.readv(ch, iov, 40, 4)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(whole, bs, 40, 4, 12)).isEqualTo(-1);
        // positions and limits of the caller's buffers are untouched
        assertThat(iov[1].position()).isZero();
        assertThat(iov[1].limit()).isEqualTo(2 * bs - cut);
        // byte-addressed access
        ByteBuffer bytes = buffer(b, 2);
        assertThat(SyncIo.bytes(ch, IoType.READ, 41L * bs, bytes)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(bytes, bs, 41, 2, 12)).isEqualTo(-1);
        // a large request
        ByteBuffer big = buffer(b, (1 << 20) / bs);
        Patterns.fill(big, bs, 1024, (1 << 20) / bs, 13);
        assertThat(SyncIo.write(ch, big, 1024, (1 << 20) / bs)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer bigBack = buffer(b, (1 << 20) / bs);
        assertThat(SyncIo.read(ch, bigBack, 1024, (1 << 20) / bs)).isEqualTo(IoStatus.SUCCESS);
        assertThat(bigBack).isEqualTo(big);
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void concurrentIoKeepsData(int bs) throws Exception {
        Bdev b = newBdev(bs);
        BdevDescriptor d = open(b, OpenOptions.frontend("conformance"));
        int threads = 4;
        int queueDepth = 8;
        int opsPerThread = LONG ? 300_000 : 1500;
        long regionBlocks = b.blockCount() / threads;
        long[] generation = new long[(int) b.blockCount()];
        AtomicLong seeds = new AtomicLong(1000);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * regionBlocks;
            long seed = t;
            Thread w = new Thread(() -> {
                try {
                    new Worker(d.openChannel(), b, base, regionBlocks, queueDepth, opsPerThread, generation, seeds,
                            new Random(seed)).run();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "conformance-worker-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(120));
            assertThat(w.isAlive()).as("worker finished").isFalse();
        }
        assertThat(failures).isEmpty();
        if (storesData()) {
            IoChannel ch = d.openChannel();
            int chunk = 256;
            ByteBuffer r = buffer(b, chunk);
            for (long lba = 0; lba < b.blockCount(); lba += chunk) {
                long n = Math.min(chunk, b.blockCount() - lba);
                ByteBuffer part = r.slice(0, (int) (n * bs));
                assertThat(SyncIo.read(ch, part, lba, n)).isEqualTo(IoStatus.SUCCESS);
                for (long i = 0; i < n; i++) {
                    long g = generation[(int) (lba + i)];
                    if (g != 0) {
                        ByteBuffer one = part.slice((int) (i * bs), bs);
                        assertThat(Patterns.firstMismatch(one, bs, lba + i, 1, g)).as("block " + (lba + i))
                                .isEqualTo(-1);
                    }
                }
            }
        }
        assertThat(b.statistics().inFlight()).isZero();
    }

    /** One submitting thread with several requests in flight, each on its own slice of the thread's region. */
    private final class Worker {
        private final IoChannel ch;
        private final Bdev b;
        private final int bs;
        private final long sliceBlocks;
        private final long base;
        private final int depth;
        private final int total;
        private final long[] generation;
        private final AtomicLong seeds;
        private final Random rnd;
        private final BlockingQueue<Slot> done = new LinkedBlockingQueue<>();

        Worker(IoChannel ch, Bdev b, long base, long region, int depth, int total, long[] generation,
               AtomicLong seeds, Random rnd) {
            this.ch = ch;
            this.b = b;
            this.bs = b.blockSize();
            this.base = base;
            this.depth = depth;
            this.sliceBlocks = region / depth;
            this.total = total;
            this.generation = generation;
            this.seeds = seeds;
            this.rnd = rnd;
        }

        void run() throws InterruptedException {
            int submitted = 0;
            int completed = 0;
            for (int s = 0; s < depth; s++) {
                Slot slot = new Slot(base + s * sliceBlocks);
                submit(slot);
                submitted++;
            }
            while (completed < submitted) {
                Slot slot = done.poll(SyncIo.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (slot == null) {
                    throw new AssertionError("I/O hung: " + (submitted - completed) + " outstanding");
                }
                completed++;
                slot.check();
                if (submitted < total) {
                    submit(slot);
                    submitted++;
                }
            }
        }

        private void submit(Slot slot) {
            int max = (int) Math.min(16, sliceBlocks);
            slot.blocks = 1 + rnd.nextInt(max);
            slot.lba = slot.first + rnd.nextInt((int) (sliceBlocks - slot.blocks + 1));
            slot.write = rnd.nextInt(3) != 0;
            slot.buf.clear().limit(slot.blocks * bs);
            if (slot.write) {
                slot.seed = seeds.incrementAndGet();
                Patterns.fill(slot.buf, bs, slot.lba, slot.blocks, slot.seed);
                ch.write(slot.buf, slot.lba, slot.blocks, slot);
            } else {
                ch.read(slot.buf, slot.lba, slot.blocks, slot);
            }
        }

        private final class Slot implements IoCallback {
            final long first;
            final ByteBuffer buf = buffer(b, 16);
            long lba;
            int blocks;
            boolean write;
            long seed;
            volatile IoStatus status;

            Slot(long first) {
                this.first = first;
            }

            @Override
            public void ioComplete(IoStatus s) {
                status = s;
                done.add(this);
            }

            void check() {
                assertThat(status).as("%s of %d blocks at %d", write ? "write" : "read", blocks, lba)
                        .isEqualTo(IoStatus.SUCCESS);
                if (write) {
                    for (int i = 0; i < blocks; i++) {
                        generation[(int) (lba + i)] = seed;
                    }
                } else if (storesData()) {
                    for (int i = 0; i < blocks; i++) {
                        long g = generation[(int) (lba + i)];
                        if (g != 0) {
                            assertThat(Patterns.firstMismatch(buf.slice(i * bs, bs), bs, lba + i, 1, g))
                                    .as("block %d read back", lba + i).isEqualTo(-1);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ errors

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void rejectsBadRequestsBeforeTheModule(int bs) throws Exception {
        Bdev b = newBdev(bs);
        IoChannel ch = open(b, OpenOptions.readWrite("conformance")).openChannel();
        long n = b.blockCount();
        long before = sum(b);
        assertThat(SyncIo.read(ch, buffer(b, 1), n, 1)).isEqualTo(IoStatus.OUT_OF_RANGE);
        assertThat(SyncIo.read(ch, buffer(b, 2), n - 1, 2)).isEqualTo(IoStatus.OUT_OF_RANGE);
        assertThat(SyncIo.read(ch, buffer(b, 1), -1, 1)).isEqualTo(IoStatus.OUT_OF_RANGE);
        assertThat(SyncIo.write(ch, buffer(b, 1), Long.MAX_VALUE, 1)).isEqualTo(IoStatus.OUT_OF_RANGE);
        assertThat(SyncIo.read(ch, buffer(b, 1), 0, Long.MAX_VALUE)).isEqualTo(IoStatus.OUT_OF_RANGE);
        assertThat(SyncIo.read(ch, buffer(b, 1), 0, 0)).isEqualTo(IoStatus.INVALID);
        assertThat(SyncIo.read(ch, buffer(b, 1), 0, 2)).isEqualTo(IoStatus.INVALID);
        assertThat(SyncIo.write(ch, buffer(b, 2), 0, 1)).isEqualTo(IoStatus.INVALID);
        assertThat(SyncIo.read(ch, buffer(b, 1).asReadOnlyBuffer(), 0, 1)).isEqualTo(IoStatus.INVALID);
        assertThat(SyncIo.readv(ch, new ByteBuffer[0], 0, 1)).isEqualTo(IoStatus.INVALID);
        assertThat(SyncIo.unmap(ch, n - 1, 2)).isIn(IoStatus.OUT_OF_RANGE, IoStatus.UNSUPPORTED);
        assertThat(SyncIo.writeZeroes(ch, n, 1)).isIn(IoStatus.OUT_OF_RANGE, IoStatus.UNSUPPORTED);
        assertThat(SyncIo.bytes(ch, IoType.READ, 1, buffer(b, 1))).isEqualTo(IoStatus.MISALIGNED);
        assertThat(SyncIo.bytes(ch, IoType.READ, 0, ByteBuffer.allocateDirect(bs + 1)))
                .isEqualTo(IoStatus.MISALIGNED);
        if (b.requiredAlignment() > 1) {
            ByteBuffer off = Patterns.aligned(bs * 2, b.requiredAlignment()).slice(1, bs);
            assertThat(SyncIo.read(ch, off, 0, 1)).isEqualTo(IoStatus.MISALIGNED);
        }
        for (IoType t : IoType.values()) {
            if (!b.supports(t)) {
                ByteBuffer[] data = t.carriesData() ? new ByteBuffer[]{buffer(b, 1)} : null;
                ByteBuffer[] second = t == IoType.COMPARE_AND_WRITE ? new ByteBuffer[]{buffer(b, 1)} : null;
                assertThat(SyncIo.run(cb -> ch.submit(t, 0, 1, data, second, 0, cb))).as(t.name())
                        .isEqualTo(IoStatus.UNSUPPORTED);
            }
        }
        assertThat(sum(b)).as("rejected requests never reach the module").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void readOnlyDescriptorCannotModify(int bs) throws Exception {
        Bdev b = newBdev(bs);
        IoChannel ch = open(b, OpenOptions.readOnly("reader")).openChannel();
        assertThat(SyncIo.read(ch, buffer(b, 1), 0, 1)).isEqualTo(IoStatus.SUCCESS);
        assertThat(SyncIo.write(ch, buffer(b, 1), 0, 1)).isEqualTo(IoStatus.READ_ONLY);
        if (b.supports(IoType.UNMAP)) {
            assertThat(SyncIo.unmap(ch, 0, 1)).isEqualTo(IoStatus.READ_ONLY);
        }
        if (b.supports(IoType.WRITE_ZEROES)) {
            assertThat(SyncIo.writeZeroes(ch, 0, 1)).isEqualTo(IoStatus.READ_ONLY);
        }
        if (b.supports(IoType.FLUSH)) {
            assertThat(SyncIo.flush(ch)).isEqualTo(IoStatus.READ_ONLY);
        }
    }

    // ------------------------------------------------------------------ flush, unmap, zeroes, compare

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void flushAndForceUnitAccessComplete(int bs) throws Exception {
        Bdev b = newBdev(bs);
        assumeTrue(b.supports(IoType.FLUSH));
        IoChannel ch = open(b, OpenOptions.readWrite("conformance")).openChannel();
        ByteBuffer w = buffer(b, 4);
        Patterns.fill(w, bs, 100, 4, 21);
        assertThat(SyncIo.write(ch, w, 100, 4)).isEqualTo(IoStatus.SUCCESS);
        assertThat(SyncIo.flush(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer fua = buffer(b, 4);
        Patterns.fill(fua, bs, 200, 4, 22);
        assertThat(SyncIo.run(cb -> ch.write(fua, 200, 4, IoChannel.FUA, cb))).isEqualTo(IoStatus.SUCCESS);
        if (storesData()) {
            ByteBuffer r = buffer(b, 4);
            assertThat(SyncIo.read(ch, r, 200, 4)).isEqualTo(IoStatus.SUCCESS);
            assertThat(Patterns.firstMismatch(r, bs, 200, 4, 22)).isEqualTo(-1);
        }
        assertThat(b.statistics().of(IoType.FLUSH).ops()).isGreaterThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void writeZeroesAndUnmapReadBackZeroesWhereAdvertised(int bs) throws Exception {
        Bdev b = newBdev(bs);
        assumeTrue(b.supports(IoType.WRITE_ZEROES) || b.supports(IoType.UNMAP));
        IoChannel ch = open(b, OpenOptions.readWrite("conformance")).openChannel();
        long blocks = 64;
        ByteBuffer w = buffer(b, blocks);
        Patterns.fill(w, bs, 300, blocks, 31);
        assertThat(SyncIo.write(ch, w, 300, blocks)).isEqualTo(IoStatus.SUCCESS);
        if (b.supports(IoType.WRITE_ZEROES)) {
            assertThat(SyncIo.writeZeroes(ch, 310, 20)).isEqualTo(IoStatus.SUCCESS);
            ByteBuffer r = buffer(b, blocks);
            assertThat(SyncIo.read(ch, r, 300, blocks)).isEqualTo(IoStatus.SUCCESS);
            assertThat(Patterns.allZero(r.slice(10 * bs, 20 * bs))).as("zeroed range").isTrue();
            if (storesData()) {
                assertThat(Patterns.firstMismatch(r.slice(0, 10 * bs), bs, 300, 10, 31)).isEqualTo(-1);
                assertThat(Patterns.firstMismatch(r.slice(30 * bs, 34 * bs), bs, 330, 34, 31)).isEqualTo(-1);
            }
        }
        if (b.supports(IoType.UNMAP)) {
            assertThat(SyncIo.unmap(ch, 340, 8)).isEqualTo(IoStatus.SUCCESS);
            if (b.unmapReadsZeroes()) {
                ByteBuffer r = buffer(b, 8);
                assertThat(SyncIo.read(ch, r, 340, 8)).isEqualTo(IoStatus.SUCCESS);
                assertThat(Patterns.allZero(r)).as("unmapped range reads zeroes").isTrue();
            }
            if (storesData()) {
                ByteBuffer r = buffer(b, 4);
                assertThat(SyncIo.read(ch, r, 350, 4)).isEqualTo(IoStatus.SUCCESS);
                assertThat(Patterns.firstMismatch(r, bs, 350, 4, 31)).as("blocks after the unmapped range")
                        .isEqualTo(-1);
            }
        }
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void compareAndWriteIsConditional(int bs) throws Exception {
        Bdev b = newBdev(bs);
        assumeTrue(b.supports(IoType.COMPARE_AND_WRITE) && storesData());
        IoChannel ch = open(b, OpenOptions.readWrite("conformance")).openChannel();
        ByteBuffer a = buffer(b, 2);
        Patterns.fill(a, bs, 500, 2, 41);
        assertThat(SyncIo.write(ch, a, 500, 2)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer next = buffer(b, 2);
        Patterns.fill(next, bs, 500, 2, 42);
        assertThat(SyncIo.run(cb -> ch.compareAndWrite(new ByteBuffer[]{a}, new ByteBuffer[]{next}, 500, 2, cb)))
                .isEqualTo(IoStatus.SUCCESS);
        ByteBuffer other = buffer(b, 2);
        Patterns.fill(other, bs, 500, 2, 43);
        assertThat(SyncIo.run(cb -> ch.compareAndWrite(new ByteBuffer[]{a}, new ByteBuffer[]{other}, 500, 2, cb)))
                .isEqualTo(IoStatus.MISCOMPARE);
        ByteBuffer r = buffer(b, 2);
        assertThat(SyncIo.read(ch, r, 500, 2)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(r, bs, 500, 2, 42)).isEqualTo(-1);
        if (b.supports(IoType.COMPARE)) {
            assertThat(SyncIo.run(cb -> ch.compare(new ByteBuffer[]{next}, 500, 2, cb))).isEqualTo(IoStatus.SUCCESS);
            assertThat(SyncIo.run(cb -> ch.compare(new ByteBuffer[]{a}, 500, 2, cb))).isEqualTo(IoStatus.MISCOMPARE);
        }
    }

    // ------------------------------------------------------------------ claims and descriptors

    @Test
    void claimsAreEnforcedAndReleasedOnClose() throws Exception {
        Bdev b = newBdev(512);
        BdevDescriptor first = open(b, OpenOptions.exclusive("first owner"));
        assertThatThrownBy(() -> open(b, OpenOptions.exclusive("second owner")))
                .isInstanceOf(BdevException.class).hasMessageContaining("first owner")
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);
        assertThatThrownBy(() -> open(b, OpenOptions.readWrite("plain writer")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);
        assertThatThrownBy(() -> open(b, OpenOptions.frontend("frontend")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);
        BdevDescriptor reader = open(b, OpenOptions.readOnly("reader"));
        assertThat(b.holders()).hasSize(2);
        first.close();
        first.close(); // idempotent
        BdevDescriptor second = open(b, OpenOptions.exclusive("second owner"));
        assertThat(b.holders()).extracting(Bdev.Holder::holder).containsExactlyInAnyOrder("reader", "second owner");
        second.close();
        reader.close();
        BdevDescriptor f1 = open(b, OpenOptions.frontend("iscsi"));
        BdevDescriptor f2 = open(b, OpenOptions.frontend("nbd"));
        assertThatThrownBy(() -> open(b, OpenOptions.exclusive("passthru")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);
        f1.close();
        f2.close();
        assertThat(b.holders()).isEmpty();
    }

    @Test
    void concurrentOpenAndCloseCountCorrectly() throws Exception {
        Bdev b = newBdev(512);
        int threads = 8;
        int rounds = 500;
        AtomicInteger exclusiveHolders = new AtomicInteger();
        AtomicInteger maxExclusive = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        if (id % 2 == 0) {
                            BdevDescriptor d = harness.registry().open(b.name(), OpenOptions.readOnly("r" + id));
                            d.openChannel().close();
                            d.close();
                        } else {
                            try {
                                BdevDescriptor d = harness.registry().open(b.name(), OpenOptions.exclusive("x" + id));
                                int now = exclusiveHolders.incrementAndGet();
                                maxExclusive.accumulateAndGet(now, Math::max);
                                exclusiveHolders.decrementAndGet();
                                d.close();
                            } catch (BdevException e) {
                                assertThat(e.reason()).isEqualTo(BdevException.Reason.CLAIMED);
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            ts.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : ts) {
            th.join(60_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(maxExclusive.get()).isEqualTo(1);
        assertThat(b.holders()).isEmpty();
        open(b, OpenOptions.exclusive("after")).close();
    }

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void reopenAfterCloseKeepsData(int bs) throws Exception {
        Bdev b = newBdev(bs);
        BdevDescriptor d = open(b, OpenOptions.readWrite("first"));
        IoChannel ch = d.openChannel();
        ByteBuffer w = buffer(b, 8);
        Patterns.fill(w, bs, 64, 8, 51);
        assertThat(SyncIo.write(ch, w, 64, 8)).isEqualTo(IoStatus.SUCCESS);
        d.close();
        assertThat(SyncIo.read(ch, buffer(b, 8), 64, 8)).as("channel of a closed descriptor")
                .isEqualTo(IoStatus.REMOVED);
        assertThatThrownBy(d::openChannel).isInstanceOf(BdevException.class);
        assertThat(b.holders()).isEmpty();
        IoChannel again = open(b, OpenOptions.readOnly("second")).openChannel();
        ByteBuffer r = buffer(b, 8);
        assertThat(SyncIo.read(again, r, 64, 8)).isEqualTo(IoStatus.SUCCESS);
        if (storesData()) {
            assertThat(Patterns.firstMismatch(r, bs, 64, 8, 51)).isEqualTo(-1);
        }
    }

    // ------------------------------------------------------------------ hot remove

    @ParameterizedTest(name = "{0}-byte blocks")
    @ValueSource(ints = {512, 4096})
    void hotRemoveWithIoInFlight(int bs) throws Exception {
        Bdev b = newBdev(bs);
        BlockDevice device = lastDevice();
        CountDownLatch removeEvent = new CountDownLatch(1);
        AtomicReference<BdevDescriptor> holder = new AtomicReference<>();
        BdevDescriptor d = harness.registry().open(b.name(), OpenOptions.frontend("hot-remove test")
                .withListener((event, bdev, desc) -> {
                    if (event == BdevEvent.REMOVE) {
                        removeEvent.countDown();
                        desc.close(); // a well-behaved holder closes on the event
                    }
                }));
        holder.set(d);
        int threads = 2;
        AtomicLong submitted = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong removedStatuses = new AtomicLong();
        List<IoStatus> unexpected = new CopyOnWriteArrayList<>();
        CountDownLatch warm = new CountDownLatch(threads);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * (b.blockCount() / threads);
            Thread th = new Thread(() -> {
                IoChannel ch = d.openChannel();
                BlockingQueue<IoStatus> done = new LinkedBlockingQueue<>();
                ByteBuffer[] bufs = new ByteBuffer[8];
                for (int i = 0; i < bufs.length; i++) {
                    bufs[i] = buffer(b, 4);
                }
                Random rnd = new Random(base);
                int outstanding = 0;
                boolean stop = false;
                long count = 0;
                try {
                    for (int i = 0; i < bufs.length; i++) {
                        submitted.incrementAndGet();
                        outstanding++;
                        ch.write(bufs[i], base + i * 4, 4, done::add);
                    }
                    while (outstanding > 0) {
                        IoStatus s = done.poll(SyncIo.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        if (s == null) {
                            unexpected.add(null);
                            return;
                        }
                        outstanding--;
                        completed.incrementAndGet();
                        if (++count == 100) {
                            warm.countDown();
                        }
                        if (s == IoStatus.REMOVED || s == IoStatus.ABORTED) {
                            removedStatuses.incrementAndGet();
                            stop = true;
                        } else if (s != IoStatus.SUCCESS) {
                            unexpected.add(s);
                        }
                        if (!stop) {
                            ByteBuffer buf = bufs[rnd.nextInt(bufs.length)].duplicate();
                            long lba = base + rnd.nextInt((int) (b.blockCount() / threads / 4 - 1)) * 4L;
                            submitted.incrementAndGet();
                            outstanding++;
                            if (rnd.nextBoolean()) {
                                ch.write(buf, lba, 4, done::add);
                            } else {
                                ch.read(buf, lba, 4, done::add);
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    warm.countDown();
                }
            }, "hot-remove-io-" + t);
            ts.add(th);
            th.start();
        }
        assertThat(warm.await(30, TimeUnit.SECONDS)).isTrue();
        harness.unregister(device);
        assertThat(removeEvent.await(1, TimeUnit.SECONDS)).isTrue();
        for (Thread th : ts) {
            th.join(60_000);
            assertThat(th.isAlive()).isFalse();
        }
        assertThat(unexpected).as("only success or removed").isEmpty();
        assertThat(completed.get()).as("every submitted I/O completed").isEqualTo(submitted.get());
        assertThat(removedStatuses.get()).isGreaterThan(0);
        assertThat(b.removed()).isTrue();
        assertThat(b.statistics().inFlight()).isZero();
        assertThat(harness.registry().find(b.name())).isEmpty();
        assertThat(holder.get().isClosed()).isTrue();
        assertThatThrownBy(() -> harness.registry().open(b.name(), OpenOptions.readOnly("late")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.NOT_FOUND);
        // what the module frees after unregistration must be safe now
        created.remove(device);
        destroyDevice(device);
    }

    @Test
    void hotRemoveForceClosesHoldersThatIgnoreTheEvent() throws Exception {
        harness.removalTimeout(200);
        Bdev b = newBdev(512);
        BlockDevice device = lastDevice();
        BdevDescriptor deaf = harness.registry().open(b.name(), OpenOptions.readWrite("deaf holder"));
        IoChannel ch = deaf.openChannel();
        harness.unregister(device);
        assertThat(deaf.isClosed()).isTrue();
        assertThat(SyncIo.read(ch, buffer(b, 1), 0, 1)).isEqualTo(IoStatus.REMOVED);
        created.remove(device);
        destroyDevice(device);
    }
}
