package io.karst.bdev.virtual.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.core.internal.BdevPerf;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.bdev.testkit.Patterns;
import io.karst.bdev.testkit.SyncIo;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtualBdevTest {
    private final BdevHarness harness = new BdevHarness();
    private final MallocBdev base = new MallocBdev("Base0", UUID.randomUUID(), 512, 2048);

    /** Registers like the OSGi component does: through the registry, from the stacked bdev itself. */
    private StackedBdev.Registrar registrar() {
        return device -> {
            harness.register(device);
            return () -> harness.unregister(device);
        };
    }

    @AfterEach
    void tearDown() {
        harness.close();
        base.destroy();
    }

    @Test
    void passthruClaimsItsBaseFollowsItAwayAndComesBack() {
        PassthruBdev pt = new PassthruBdev("PT0", UUID.randomUUID(), "Base0", harness.registry(), registrar());
        pt.start();
        assertThat(pt.attached()).as("no base yet").isFalse();
        harness.register(base);
        assertThat(pt.attached()).isTrue();
        Bdev ptBdev = harness.registry().find("PT0").orElseThrow();
        assertThat(ptBdev.blockCount()).isEqualTo(2048);
        assertThat(harness.registry().find("Base0").orElseThrow().holders()).singleElement()
                .satisfies(h -> assertThat(h.holder()).isEqualTo("passthru bdev PT0"));
        assertThatThrownBy(() -> harness.registry().open("Base0", OpenOptions.frontend("nbd")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);

        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        BdevDescriptor holder = harness.registry().open("PT0", OpenOptions.frontend("nbd export PT0")
                .withListener((e, b, d) -> {
                    events.add(e);
                    if (e == BdevEvent.REMOVE) {
                        d.close();
                    }
                }));
        IoChannel ch = holder.openChannel();
        ByteBuffer w = ByteBuffer.allocateDirect(4096);
        Patterns.fill(w, 512, 7, 8, 99);
        assertThat(SyncIo.write(ch, w, 7, 8)).isEqualTo(IoStatus.SUCCESS);

        base.resize(4096);
        assertThat(ptBdev.blockCount()).as("resize passes up the stack").isEqualTo(4096);
        harness.unregister(base);
        assertThat(events).containsExactly(BdevEvent.RESIZE, BdevEvent.REMOVE);
        assertThat(harness.registry().find("PT0")).as("hot-remove passes up the stack").isEmpty();
        assertThat(pt.attached()).isFalse();

        harness.register(base);
        assertThat(pt.attached()).as("base is back").isTrue();
        try (BdevDescriptor again = harness.registry().open("PT0", OpenOptions.readOnly("reader"))) {
            ByteBuffer r = ByteBuffer.allocateDirect(4096);
            assertThat(SyncIo.read(again.openChannel(), r, 7, 8)).isEqualTo(IoStatus.SUCCESS);
            assertThat(Patterns.firstMismatch(r, 512, 7, 8, 99)).isEqualTo(-1);
        }
        pt.stop();
        assertThat(harness.registry().find("PT0")).isEmpty();
        assertThat(harness.registry().find("Base0").orElseThrow().holders()).as("claim released").isEmpty();
    }

    @Test
    void errorBdevFailsCorruptsAndHoldsWhatItIsTold() throws Exception {
        harness.register(base);
        ErrorBdev eb = new ErrorBdev("EE_Base0", UUID.randomUUID(), "Base0", harness.registry(), registrar());
        eb.start();
        BdevDescriptor d = harness.registry().open("EE_Base0", OpenOptions.readWrite("test"));
        IoChannel ch = d.openChannel();
        ByteBuffer w = ByteBuffer.allocateDirect(512);
        Patterns.fill(w, 512, 3, 1, 5);
        assertThat(SyncIo.write(ch, w, 3, 1)).isEqualTo(IoStatus.SUCCESS);

        eb.inject(IoType.READ, ErrorBdev.Injection.FAILURE, 2);
        ByteBuffer r = ByteBuffer.allocateDirect(512);
        assertThat(SyncIo.read(ch, r, 3, 1)).isEqualTo(IoStatus.FAILED);
        assertThat(SyncIo.read(ch, r, 3, 1)).isEqualTo(IoStatus.FAILED);
        assertThat(SyncIo.read(ch, r, 3, 1)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(r, 512, 3, 1, 5)).isEqualTo(-1);

        eb.inject(null, ErrorBdev.Injection.NOSPACE, 1);
        assertThat(SyncIo.write(ch, w, 3, 1)).isEqualTo(IoStatus.NO_SPACE);
        eb.clear();

        eb.inject(IoType.READ, ErrorBdev.Injection.CORRUPT, 1);
        assertThat(SyncIo.read(ch, r, 3, 1)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(r, 512, 3, 1, 5)).as("corrupted on the way up").isEqualTo(3);
        assertThat(SyncIo.read(ch, r, 3, 1)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Patterns.firstMismatch(r, 512, 3, 1, 5)).as("the data itself is intact").isEqualTo(-1);

        eb.inject(IoType.READ, ErrorBdev.Injection.PENDING, 1);
        CompletableFuture<IoStatus> held = new CompletableFuture<>();
        ch.read(r, 3, 1, held::complete);
        assertThat(held).isNotDone();
        assertThat(SyncIo.run(ch::reset)).isEqualTo(IoStatus.SUCCESS);
        assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo(IoStatus.ABORTED);

        eb.inject(IoType.READ, ErrorBdev.Injection.PENDING, 1);
        CompletableFuture<IoStatus> heldAtRemoval = new CompletableFuture<>();
        ch.read(r, 3, 1, heldAtRemoval::complete);
        d.close();
        eb.stop();
        assertThat(heldAtRemoval.get(5, TimeUnit.SECONDS)).isEqualTo(IoStatus.ABORTED);
    }

    @Test
    void perfVerifyPassesOnHealthyStacksAndCatchesCorruption() throws Exception {
        harness.register(base);
        ErrorBdev eb = new ErrorBdev("EE_Base0", UUID.randomUUID(), "Base0", harness.registry(), registrar());
        eb.start();
        BdevPerf.Result clean = BdevPerf.run(harness.registry(), new BdevPerf.Options("EE_Base0",
                BdevPerf.Workload.VERIFY, 4096, 8, 2, 0.3, 0));
        assertThat(clean.ios()).isGreaterThan(100);
        assertThat(clean.errors()).isZero();
        assertThat(clean.miscompares()).isZero();

        eb.inject(IoType.READ, ErrorBdev.Injection.CORRUPT, 5);
        eb.inject(IoType.WRITE, ErrorBdev.Injection.FAILURE, 3);
        BdevPerf.Result bad = BdevPerf.run(harness.registry(), new BdevPerf.Options("EE_Base0",
                BdevPerf.Workload.VERIFY, 4096, 8, 1, 0.3, 0));
        assertThat(bad.miscompares()).isGreaterThanOrEqualTo(1);
        assertThat(bad.errors()).isEqualTo(3);
        eb.stop();
    }

    @Test
    void delayBdevHoldsCompletionsForAtLeastItsLatency() throws Exception {
        harness.register(base);
        DelayBdev db = new DelayBdev("Delay0", UUID.randomUUID(), "Base0",
                new DelayBdev.Latencies(30_000, 30_000, 0, 0, 0), harness.registry(), registrar());
        db.start();
        try (BdevDescriptor d = harness.registry().open("Delay0", OpenOptions.readWrite("test"))) {
            IoChannel ch = d.openChannel();
            long t0 = System.nanoTime();
            assertThat(SyncIo.read(ch, ByteBuffer.allocateDirect(512), 0, 1)).isEqualTo(IoStatus.SUCCESS);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
            db.setLatencies(new DelayBdev.Latencies(0, 0, 0, 0, 0));
            assertThat(SyncIo.read(ch, ByteBuffer.allocateDirect(512), 0, 1)).isEqualTo(IoStatus.SUCCESS);
        }
        db.stop();
        db.shutdown();
    }
}
