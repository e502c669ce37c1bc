package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Open counting of a file over the real bdev core: descriptors shared per access, claims, errors. */
class ExportTest {
    private final BdevHarness harness = new BdevHarness();
    private final MallocBdev ram = new MallocBdev("Ram0", UUID.randomUUID(), 512, 2048);

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void concurrentOpensAndReleasesBalance() throws Exception {
        harness.register(ram);
        Export e = new Export("Ram0", harness.registry(), 2, null);
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    try {
                        Export.Handle h = e.open(ThreadLocalRandom.current().nextBoolean());
                        if (h.descriptor.isClosed()) {
                            failures.incrementAndGet();
                        }
                        e.release(h);
                    } catch (Export.OpenRefused x) {
                        failures.incrementAndGet();
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).hasValue(0);
        assertThat(e.readOpens()).isZero();
        assertThat(e.writeOpens()).isZero();
        assertThat(harness.registry().find("Ram0").orElseThrow().holders()).isEmpty();
        assertThat(e.opensTotal.get()).isEqualTo(16000);
    }

    @Test
    void opensShareOneDescriptorPerAccess() throws Exception {
        harness.register(ram);
        Export e = new Export("Ram0", harness.registry(), 2, null);
        Export.Handle w1 = e.open(true);
        Export.Handle w2 = e.open(true);
        Export.Handle r1 = e.open(false);
        assertThat(w1).isSameAs(w2);
        assertThat(r1).isNotSameAs(w1);
        assertThat(harness.registry().find("Ram0").orElseThrow().holders()).hasSize(2);
        e.release(w1);
        assertThat(w2.descriptor.isClosed()).isFalse();
        e.release(w2);
        assertThat(w2.descriptor.isClosed()).isTrue();
        e.release(r1);
        assertThat(harness.registry().find("Ram0").orElseThrow().holders()).isEmpty();
    }

    @Test
    void anExclusiveClaimMakesWriteOpensBusyButNotReadOpens() throws Exception {
        harness.register(ram);
        Export e = new Export("Ram0", harness.registry(), 2, null);
        try (BdevDescriptor owner = harness.registry().open("Ram0", OpenOptions.exclusive("passthru Pt0"))) {
            assertThatThrownBy(() -> e.open(true)).isInstanceOfSatisfying(Export.OpenRefused.class,
                    x -> assertThat(x.errno).isEqualTo(Errno.EBUSY));
            e.release(e.open(false));
        }
        assertThat(e.refusedOpens.get()).isEqualTo(1);
        assertThat(e.writeOpens()).isZero();
        e.release(e.open(true));
    }

    @Test
    void aMissingBdevIsNotFound() {
        Export e = new Export("Gone", harness.registry(), 2, null);
        assertThatThrownBy(() -> e.open(false)).isInstanceOfSatisfying(Export.OpenRefused.class,
                x -> assertThat(x.errno).isEqualTo(Errno.ENOENT));
    }

    @Test
    void removalClosesTheSharedDescriptor() throws Exception {
        harness.register(ram);
        Export e = new Export("Ram0", harness.registry(), 2, null);
        Export.Handle h = e.open(true);
        harness.unregister(ram);
        assertThat(h.descriptor.isClosed()).isTrue();
        assertThat(h.channel(0)).isNull();
        e.release(h);
    }

    @Test
    void inFlightHighWaterMark() {
        Export e = new Export("Ram0", harness.registry(), 2, null);
        for (int i = 0; i < 20; i++) {
            e.started();
        }
        for (int i = 0; i < 20; i++) {
            e.finished();
        }
        assertThat(e.maxInFlight.get()).isEqualTo(20);
        assertThat(e.inFlight.get()).isZero();
        e.resetMaxInFlight();
        assertThat(e.maxInFlight.get()).isZero();
    }
}
