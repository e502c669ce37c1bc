package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.DeviceChannel;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The io_uring engine driven directly (no core), in both ring modes. */
class UringChannelTest {
    private static final int BS = 4096;
    private static final long BLOCKS = 2048; // 8 MiB

    @TempDir
    Path dir;
    private final List<FileBdev> devices = new ArrayList<>();

    @AfterEach
    void close() {
        devices.forEach(FileBdev::close);
    }

    private FileBdev open(RingMode mode, int ringEntries) throws Exception {
        assumeTrue(TestShim.get().uringAvailable(), "io_uring unavailable: " + TestShim.get().uringUnavailableReason());
        FileBdev b = FileBdev.open(TestShim.config("U" + devices.size(), dir.resolve("u" + devices.size() + ".img"),
                BS, BLOCKS * BS, FileBdevConfig.Engine.URING), TestShim.get(), ringEntries, mode);
        devices.add(b);
        return b;
    }

    private static UringChannel ring(DeviceChannel ch) {
        assertThat(ch).isInstanceOf(UringChannel.class);
        return (UringChannel) ch;
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void directHeapAndScatterGatherBuffersRoundTrip(RingMode mode) throws Exception {
        FileBdev b = open(mode, 64);
        DeviceChannel ch = b.openChannel();
        assertThat(ring(ch).mode()).isEqualTo(mode);
        // one direct buffer
        ByteBuffer w = TestIo.fill(TestIo.aligned(4 * BS), 1);
        assertThat(TestIo.write(10, 4, BS, w).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer r = TestIo.aligned(4 * BS);
        assertThat(TestIo.read(10, 4, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(r).isEqualTo(w);
        // one heap buffer, with a position and limit that must survive
        ByteBuffer heap = TestIo.fill(ByteBuffer.allocate(3 * BS + 100), 2).position(50).limit(50 + 3 * BS);
        assertThat(TestIo.write(20, 3, BS, heap).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(heap.position()).isEqualTo(50);
        assertThat(heap.limit()).isEqualTo(50 + 3 * BS);
        ByteBuffer heapBack = ByteBuffer.allocate(3 * BS);
        assertThat(TestIo.read(20, 3, BS, heapBack).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(heapBack).isEqualTo(heap);
        // a mixed list: direct, heap, direct slice of odd length
        ByteBuffer a = TestIo.fill(TestIo.aligned(BS + 512), 3);
        ByteBuffer h = TestIo.fill(ByteBuffer.allocate(2 * BS - 1024), 4);
        ByteBuffer c = TestIo.fill(TestIo.aligned(BS + 512), 5);
        assertThat(TestIo.write(30, 4, BS, a, h, c).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer all = TestIo.aligned(4 * BS);
        assertThat(TestIo.read(30, 4, BS, all).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(all.slice(0, BS + 512)).isEqualTo(a);
        assertThat(all.slice(BS + 512, 2 * BS - 1024)).isEqualTo(h);
        assertThat(all.slice(3 * BS - 512, BS + 512)).isEqualTo(c);
        ByteBuffer[] back = {ByteBuffer.allocate(100), TestIo.aligned(4 * BS - 200), ByteBuffer.allocate(100)};
        assertThat(TestIo.read(30, 4, BS, back).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(back[0]).isEqualTo(all.slice(0, 100));
        assertThat(back[1]).isEqualTo(all.slice(100, 4 * BS - 200));
        assertThat(back[2]).isEqualTo(all.slice(4 * BS - 100, 100));
        // more segments than one iovec array may carry: staged through the bounce buffer
        ByteBuffer[] many = new ByteBuffer[1536];
        ByteBuffer whole = TestIo.fill(TestIo.aligned(1536 * 512), 6);
        for (int i = 0; i < many.length; i++) {
            many[i] = whole.slice(i * 512, 512);
        }
        assertThat(TestIo.write(100, 192, BS, many).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer[] manyBack = new ByteBuffer[1536];
        for (int i = 0; i < manyBack.length; i++) {
            manyBack[i] = ByteBuffer.allocate(512);
        }
        assertThat(TestIo.read(100, 192, BS, manyBack).run(ch)).isEqualTo(IoStatus.SUCCESS);
        for (int i = 0; i < many.length; i++) {
            assertThat(manyBack[i]).as("segment " + i).isEqualTo(many[i]);
        }
        // a force-unit-access write
        ByteBuffer fua = TestIo.fill(TestIo.aligned(BS), 7);
        assertThat(new TestIo(IoType.WRITE, 5, 1, BS, new ByteBuffer[]{fua}, IoChannel.FUA).run(ch))
                .isEqualTo(IoStatus.SUCCESS);
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void moreRequestsThanRingEntriesWaitForSlots(RingMode mode) throws Exception {
        FileBdev b = open(mode, 4);
        DeviceChannel ch = b.openChannel();
        List<TestIo> ios = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            TestIo io = (i % 2 == 0) ? TestIo.write(i, 1, BS, TestIo.fill(TestIo.aligned(BS), i))
                    : TestIo.read(i - 1, 1, BS, TestIo.aligned(BS));
            ios.add(io);
            ch.submit(io);
        }
        for (TestIo io : ios) {
            assertThat(io.await()).isEqualTo(IoStatus.SUCCESS);
        }
        assertThat(ring(ch).inFlight()).isZero();
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void callbacksThatResubmitIterateWithoutRecursion(RingMode mode) throws Exception {
        FileBdev b = open(mode, 16);
        DeviceChannel ch = b.openChannel();
        int total = 20_000;
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        List<TestIo> first = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
            ByteBuffer buf = TestIo.aligned(BS);
            long lba = s;
            java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<TestIo>> again =
                    new java.util.concurrent.atomic.AtomicReference<>();
            again.set(io -> {
                if (io.done.join() == IoStatus.SUCCESS) {
                    ok.incrementAndGet();
                }
                done.countDown();
                if (issued.incrementAndGet() <= total - 8) {
                    TestIo next = TestIo.read((lba * 97 + issued.get()) % BLOCKS, 1, BS, buf);
                    next.onComplete = again.get();
                    ch.submit(next);
                }
            });
            TestIo io = TestIo.read(lba, 1, BS, buf);
            io.onComplete = again.get();
            first.add(io);
        }
        // the first requests go in from this thread; callbacks then keep the queue full from whichever thread
        // completes them (the ring's lock serialises this thread and a completing thread meanwhile)
        for (TestIo io : first) {
            ch.submit(io);
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ok.get()).isEqualTo(total);
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void closingWithIoInFlightCompletesEverythingAndFreesTheRing(RingMode mode) throws Exception {
        FileBdev b = open(mode, 32);
        DeviceChannel ch = b.openChannel();
        List<TestIo> ios = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            TestIo io = TestIo.write(i * 8L, 8, BS, TestIo.fill(TestIo.aligned(8 * BS), i));
            ios.add(io);
            ch.submit(io);
        }
        ch.close();
        for (TestIo io : ios) {
            assertThat(io.await()).isIn(IoStatus.SUCCESS, IoStatus.ABORTED);
        }
        assertThat(ring(ch).released()).isTrue();
        assertThat(ring(ch).inFlight()).isZero();
        assertThat(TestIo.read(0, 1, BS, TestIo.aligned(BS)).run(ch)).isEqualTo(IoStatus.REMOVED);
        ch.close(); // idempotent
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void closingFromACompletionCallbackDoesNotDeadlock(RingMode mode) throws Exception {
        FileBdev b = open(mode, 8);
        DeviceChannel ch = b.openChannel();
        TestIo io = TestIo.read(0, 1, BS, TestIo.aligned(BS));
        io.onComplete = x -> ch.close();
        assertThat(io.run(ch)).isEqualTo(IoStatus.SUCCESS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ring(ch).released() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ring(ch).released()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void deviceCloseDrainsAllChannels(RingMode mode) throws Exception {
        FileBdev b = open(mode, 16);
        List<TestIo> ios = new ArrayList<>();
        List<DeviceChannel> channels = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            DeviceChannel ch = b.openChannel();
            channels.add(ch);
            for (int i = 0; i < 40; i++) {
                TestIo io = TestIo.read(i, 1, BS, ByteBuffer.allocate(BS));
                ios.add(io);
                ch.submit(io);
            }
        }
        b.close();
        for (TestIo io : ios) {
            assertThat(io.await()).isIn(IoStatus.SUCCESS, IoStatus.ABORTED);
        }
        for (DeviceChannel ch : channels) {
            assertThat(ring(ch).released()).isTrue();
            assertThat(TestIo.read(0, 1, BS, TestIo.aligned(BS)).run(ch)).isEqualTo(IoStatus.REMOVED);
        }
        assertThat(TestIo.of(IoType.FLUSH, 0, 0, BS).run(channels.get(0))).isEqualTo(IoStatus.REMOVED);
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void readsPastAShortenedFileReturnZeroes(RingMode mode) throws Exception {
        FileBdev b = open(mode, 8);
        DeviceChannel ch = b.openChannel();
        assertThat(TestIo.write(0, 2, BS, TestIo.fill(TestIo.aligned(2 * BS), 9)).run(ch)).isEqualTo(IoStatus.SUCCESS);
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("u0.img").toFile(), "rw")) {
            raf.setLength(BS + 1000); // behind the bdev's back
        }
        ByteBuffer r = TestIo.fill(TestIo.aligned(2 * BS), 99);
        assertThat(TestIo.read(0, 2, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer expect = TestIo.fill(TestIo.aligned(2 * BS), 9);
        assertThat(r.slice(0, BS + 1000)).isEqualTo(expect.slice(0, BS + 1000));
        for (int i = BS + 1000; i < 2 * BS; i++) {
            assertThat(r.get(i)).as("byte " + i).isZero();
        }
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void anIdleRingThreadSleeps(RingMode mode) throws Exception {
        FileBdev b = open(mode, 16);
        DeviceChannel ch = b.openChannel();
        for (int i = 0; i < 100; i++) {
            assertThat(TestIo.read(i, 1, BS, TestIo.aligned(BS)).run(ch)).isEqualTo(IoStatus.SUCCESS);
        }
        Thread ring = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("karst-file-" + b.name() + "-ring")).findFirst().orElseThrow();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Thread.sleep(300); // past the last timed wait of a ring that just had I/O
        long before = mx.getThreadCpuTime(ring.getId());
        Thread.sleep(700);
        long used = mx.getThreadCpuTime(ring.getId()) - before;
        assertThat(used).as("CPU ns of the idle ring thread in 0.7 s").isLessThan(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(ring.getState()).isEqualTo(Thread.State.RUNNABLE); // in poll(2), which Java reports as runnable
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void completionsArriveOnTheExpectedThread(RingMode mode) throws Exception {
        FileBdev b = open(mode, 16);
        DeviceChannel ch = b.openChannel();
        ByteBuffer w = TestIo.fill(TestIo.aligned(64 * BS), 11);
        assertThat(TestIo.write(0, 64, BS, w).run(ch)).isEqualTo(IoStatus.SUCCESS);
        // reads of cached pages: an inline ring completes them inside io_uring_enter on this thread, when the
        // file system can read without blocking; an owned ring always on its own thread
        AtomicLong here = new AtomicLong();
        for (int i = 0; i < 64; i++) {
            TestIo io = TestIo.read(i, 1, BS, TestIo.aligned(BS));
            ch.submit(io);
            io.await();
            if (io.completedOn == Thread.currentThread()) {
                here.incrementAndGet();
            } else {
                assertThat(io.completedOn.getName()).startsWith("karst-file-" + b.name() + "-ring");
            }
        }
        if (mode == RingMode.OWNED) {
            assertThat(here.get()).isZero();
        } else if (TestShim.get().lib.kf_probe_nowait(b.rawFd()) == 1) {
            assertThat(here.get()).as("reads completed on the submitting thread").isGreaterThanOrEqualTo(60);
        }
        ch.close();
    }

    @ParameterizedTest
    @EnumSource(RingMode.class)
    void parallelChannelsKeepTheirData(RingMode mode) throws Exception {
        FileBdev b = open(mode, 32);
        int threads = 4;
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * (BLOCKS / threads);
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    DeviceChannel ch = b.openChannel();
                    for (int round = 0; round < 20; round++) {
                        List<TestIo> writes = new ArrayList<>();
                        for (int i = 0; i < 16; i++) {
                            TestIo io = TestIo.write(base + i * 4, 4, BS,
                                    TestIo.fill(ByteBuffer.allocate(4 * BS), id * 1000 + round * 16 + i));
                            writes.add(io);
                            ch.submit(io);
                        }
                        for (TestIo io : writes) {
                            assertThat(io.await()).isEqualTo(IoStatus.SUCCESS);
                        }
                        for (int i = 0; i < 16; i++) {
                            ByteBuffer r = TestIo.aligned(4 * BS);
                            assertThat(TestIo.read(base + i * 4, 4, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
                            assertThat(r).isEqualTo(TestIo.fill(TestIo.aligned(4 * BS), id * 1000 + round * 16 + i));
                        }
                    }
                    ch.close();
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join(60_000);
        }
        assertThat(failures).isEmpty();
        assertThat(Files.size(dir.resolve("u0.img"))).isEqualTo(BLOCKS * BS);
    }
}
