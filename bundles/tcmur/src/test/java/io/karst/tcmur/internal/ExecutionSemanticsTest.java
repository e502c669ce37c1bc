package io.karst.tcmur.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.bdev.testkit.SyncIo;
import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurCommand;
import io.karst.tcmur.TcmurDevice;
import io.karst.tcmur.TcmurHandler;
import io.karst.tcmur.TcmurOperation;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** tcmu-runner's execution semantics, with scripted Java handlers. */
class ExecutionSemanticsTest {
    private final BdevHarness harness = new BdevHarness().removalTimeout(200);
    private final HandlerRegistry registry = new HandlerRegistry(null, List.of());
    private final ExecutorService completer = Executors.newFixedThreadPool(4);

    @AfterEach
    void tearDown() {
        harness.close();
        completer.shutdownNow();
    }

    /** A handler whose reads count concurrency per device and may wait on a latch. */
    static class Scripted implements TcmurHandler {
        final String subtype;
        final int threads;
        final Map<String, AtomicInteger> inside = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicInteger maxInside = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile String gated = "";
        ExecutorService asyncCompleter;

        Scripted(String subtype, int threads) {
            this.subtype = subtype;
            this.threads = threads;
        }

        @Override public String name() { return "scripted"; }
        @Override public String subtype() { return subtype; }
        @Override public int nrThreads() { return threads; }
        @Override public Set<TcmurOperation> operations() {
            return EnumSet.of(TcmurOperation.READ, TcmurOperation.WRITE);
        }
        @Override public void open(TcmurDevice device, boolean reopen) { }
        @Override public void close(TcmurDevice device) { }

        @Override
        public int read(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
            if (asyncCompleter != null) {
                asyncCompleter.execute(() -> {
                    cmd.complete(TcmuStatus.OK);
                    if (cmd.cdb().get(9) == 7) {
                        cmd.complete(TcmuStatus.RD_ERR); // a second completion is ignored
                    }
                });
                return TcmuStatus.ASYNC_HANDLED;
            }
            AtomicInteger n = inside.computeIfAbsent(device.name(), k -> new AtomicInteger());
            maxInside.accumulateAndGet(n.incrementAndGet(), Math::max);
            try {
                if (device.name().equals(gated)) {
                    gate.await(30, TimeUnit.SECONDS);
                } else {
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                n.decrementAndGet();
            }
            return TcmuStatus.OK;
        }

        @Override
        public int write(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
            return TcmuStatus.WR_ERR;
        }
    }

    private TcmurBdevComponent create(String name, String cfg) {
        Map<String, Object> config = new HashMap<>();
        config.put("name", name);
        config.put(TcmurBdevType.CFGSTRING, cfg);
        config.put("size", Long.toString(1 << 20));
        return new TcmurBdevComponent(registry, device -> {
            harness.register(device);
            return () -> harness.unregister(device);
        }, config);
    }

    private static CompletableFuture<IoStatus> read(IoChannel ch, long lba) {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.read(ByteBuffer.allocateDirect(512), lba, 1, f::complete);
        return f;
    }

    @Test
    void aSynchronousHandlerWithOneThreadSeesOneCommandAtATimePerDeviceAndOtherDevicesAreNotBlocked()
            throws Exception {
        Scripted h = new Scripted("sync", 1);
        registry.addJavaHandler(h, "test");
        create("s0", "sync/a");
        create("s1", "sync/b");
        IoChannel c0 = harness.registry().open("s0", OpenOptions.readWrite("t")).openChannel();
        IoChannel c1 = harness.registry().open("s1", OpenOptions.readWrite("t")).openChannel();
        List<CompletableFuture<IoStatus>> all = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 32; i++) {
            all.add(read(c0, i));
        }
        for (CompletableFuture<IoStatus> f : all) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(IoStatus.SUCCESS);
        }
        assertThat(h.maxInside.get()).as("commands to one device are serialised").isEqualTo(1);

        h.gate = new CountDownLatch(1);
        h.gated = "s0";
        CompletableFuture<IoStatus> stuck = read(c0, 0);
        for (int i = 0; i < 16; i++) {
            assertThat(read(c1, i).get(30, TimeUnit.SECONDS)).as("s1 goes on while s0's command waits")
                    .isEqualTo(IoStatus.SUCCESS);
        }
        assertThat(stuck).isNotDone();
        h.gate.countDown();
        assertThat(stuck.get(30, TimeUnit.SECONDS)).isEqualTo(IoStatus.SUCCESS);
        assertThat(SyncIo.write(c1, ByteBuffer.allocateDirect(512), 0, 1)).as("WR_ERR is an I/O error")
                .isEqualTo(IoStatus.FAILED);
    }

    @Test
    void anAsynchronousHandlerCompletesFromItsOwnThreadsExactlyOnce() throws Exception {
        Scripted h = new Scripted("async", 0);
        h.asyncCompleter = completer;
        registry.addJavaHandler(h, "test");
        create("a0", "async/x");
        IoChannel ch = harness.registry().open("a0", OpenOptions.readWrite("t")).openChannel();
        AtomicInteger callbacks = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(512);
            ch.read(b, i % 2048, 1, s -> {
                assertThat(s).isEqualTo(IoStatus.SUCCESS);
                callbacks.incrementAndGet();
                done.countDown();
            });
            while (i - (1000 - done.getCount()) > 100) {
                Thread.onSpinWait(); // stay under the outstanding limit
            }
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(50);
        assertThat(callbacks.get()).isEqualTo(1000);
    }

    @Test
    void commandsBeyondTheOutstandingLimitAreRefusedBeforeTheHandler() throws Exception {
        Scripted h = new Scripted("slow", 1);
        h.gate = new CountDownLatch(1);
        h.gated = "l0";
        registry.addJavaHandler(h, "test");
        create("l0", "slow/x");
        IoChannel ch = harness.registry().open("l0", OpenOptions.readWrite("t")).openChannel();
        List<CompletableFuture<IoStatus>> queued = new CopyOnWriteArrayList<>();
        for (int i = 0; i < TcmurBdevType.DEFAULT_OUTSTANDING; i++) {
            queued.add(read(ch, i));
        }
        assertThat(read(ch, 0).get(10, TimeUnit.SECONDS)).isEqualTo(IoStatus.NO_MEMORY);
        h.gate.countDown();
        for (CompletableFuture<IoStatus> f : queued) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(IoStatus.SUCCESS);
        }
    }

    @Test
    void removingTheHandlerHotRemovesItsDevicesAndTheyComeBackWithIt() throws Exception {
        Scripted h = new Scripted("hot", 1);
        registry.addJavaHandler(h, "test");
        create("h0", "hot/x");
        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        BdevDescriptor[] holder = new BdevDescriptor[1];
        holder[0] = harness.registry().open("h0", OpenOptions.readWrite("holder").withListener((e, b, d) -> {
            events.add(e);
            if (e == BdevEvent.REMOVE) {
                d.close();
            }
        }));
        assertThat(registry.handlers().get(0).devices()).containsExactly("h0");
        registry.removeJavaHandler(h);
        assertThat(events).contains(BdevEvent.REMOVE);
        assertThat(harness.registry().find("h0")).isEmpty();
        assertThat(registry.handlers()).isEmpty();

        Scripted updated = new Scripted("hot", 1);
        registry.addJavaHandler(updated, "test v2");
        assertThat(harness.registry().find("h0")).isPresent();
        IoChannel ch = harness.registry().open("h0", OpenOptions.readWrite("t")).openChannel();
        assertThat(read(ch, 0).get(10, TimeUnit.SECONDS)).isEqualTo(IoStatus.SUCCESS);
        assertThat(updated.maxInside.get()).as("the new handler serves the device").isEqualTo(1);
        ch.close();
    }
}
