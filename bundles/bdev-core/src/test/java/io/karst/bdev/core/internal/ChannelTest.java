package io.karst.bdev.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChannelTest {
    private final BdevRegistryImpl registry = new BdevRegistryImpl();

    {
        registry.setRemovalTimeoutMillis(100);
    }

    @AfterEach
    void tearDown() {
        registry.deactivate();
    }

    private IoChannel channel(FakeDevice dev) {
        registry.addDevice(dev);
        return registry.open(dev.props.name(), OpenOptions.readWrite("test")).openChannel();
    }

    private static IoStatus await(CompletableFuture<IoStatus> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void resubmittingFromInlineCompletionsIteratesInsteadOfRecursing() {
        FakeDevice dev = new FakeDevice("d");
        IoChannel ch = channel(dev);
        ByteBuffer buf = ByteBuffer.allocateDirect(512);
        int total = 300_000;
        AtomicInteger done = new AtomicInteger();
        int[] maxDepth = {0};
        IoCallback[] loop = new IoCallback[1];
        loop[0] = status -> {
            assertThat(status).isEqualTo(IoStatus.SUCCESS);
            if (done.incrementAndGet() % 10_000 == 0) {
                maxDepth[0] = Math.max(maxDepth[0], Thread.currentThread().getStackTrace().length);
            }
            if (done.get() < total) {
                ch.read(buf, done.get() % 1024, 1, loop[0]);
            }
        };
        ch.read(buf, 0, 1, loop[0]);
        assertThat(done.get()).isEqualTo(total);
        assertThat(maxDepth[0]).as("stack depth stays flat").isLessThan(200);
    }

    @Test
    void completionsAreDeliveredOnceAndInSubmissionOrderForInlineModules() {
        FakeDevice dev = new FakeDevice("d");
        IoChannel ch = channel(dev);
        List<Integer> order = new CopyOnWriteArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(512);
        ch.read(buf, 0, 1, s -> {
            order.add(1);
            ch.read(buf, 1, 1, s2 -> order.add(3));
            order.add(2);
        });
        assertThat(order).containsExactly(1, 2, 3);
    }

    @Test
    void forceUnitAccessIsEmulatedWithAFlushWhenTheModuleLacksIt() throws Exception {
        FakeDevice dev = new FakeDevice(BdevProperties.builder("wc", "fake").blockCount(64).writeCache(true)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).build());
        IoChannel ch = channel(dev);
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.write(ByteBuffer.allocateDirect(512), 0, 1, IoChannel.FUA, f::complete);
        assertThat(await(f)).isEqualTo(IoStatus.SUCCESS);
        assertThat(dev.seen).containsExactly(IoType.WRITE, IoType.FLUSH);
        Bdev b = registry.find("wc").orElseThrow();
        assertThat(b.statistics().of(IoType.WRITE).ops()).isEqualTo(1);
        assertThat(b.statistics().of(IoType.FLUSH).ops()).isZero();
    }

    @Test
    void forceUnitAccessIsPassedToModulesThatHonourIt() throws Exception {
        FakeDevice dev = new FakeDevice(BdevProperties.builder("fua", "fake").blockCount(64).writeCache(true)
                .nativeFua(true).ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).build());
        IoChannel ch = channel(dev);
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.write(ByteBuffer.allocateDirect(512), 0, 1, IoChannel.FUA, f::complete);
        assertThat(await(f)).isEqualTo(IoStatus.SUCCESS);
        assertThat(dev.seen).containsExactly(IoType.WRITE);
        assertThat(dev.flags).containsExactly(IoChannel.FUA);
    }

    @Test
    void aFailedWriteIsNotFollowedByTheEmulatedFlush() throws Exception {
        FakeDevice dev = new FakeDevice(BdevProperties.builder("wc2", "fake").blockCount(64).writeCache(true)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).build());
        dev.behaviour = io -> io.complete(IoStatus.NO_SPACE);
        IoChannel ch = channel(dev);
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.write(ByteBuffer.allocateDirect(512), 0, 1, IoChannel.FUA, f::complete);
        assertThat(await(f)).isEqualTo(IoStatus.NO_SPACE);
        assertThat(dev.seen).containsExactly(IoType.WRITE);
    }

    @Test
    void aModuleCompletingTwiceCannotCompleteTwice() {
        FakeDevice dev = new FakeDevice("twice");
        dev.behaviour = io -> {
            io.complete(IoStatus.SUCCESS);
            io.complete(IoStatus.FAILED);
        };
        IoChannel ch = channel(dev);
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, got::add);
        assertThat(got).containsExactly(IoStatus.SUCCESS);
    }

    @Test
    void aModuleThrowingOnSubmitFailsTheRequest() {
        FakeDevice dev = new FakeDevice("throws");
        dev.behaviour = io -> {
            throw new IllegalStateException("boom");
        };
        IoChannel ch = channel(dev);
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, got::add);
        assertThat(got).containsExactly(IoStatus.FAILED);
        assertThat(registry.find("throws").orElseThrow().statistics().of(IoType.READ).errors()).isEqualTo(1);
    }

    @Test
    void aThrowingCallbackDoesNotBreakTheChannel() {
        FakeDevice dev = new FakeDevice("cb");
        IoChannel ch = channel(dev);
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, s -> {
            throw new IllegalStateException("careless caller");
        });
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, got::add);
        assertThat(got).containsExactly(IoStatus.SUCCESS);
    }

    @Test
    void directBuffersMustMeetTheDeviceAlignmentHeapBuffersAreLeftToTheModule() {
        FakeDevice dev = new FakeDevice(BdevProperties.builder("aligned", "fake").blockCount(64)
                .requiredAlignment(4096).ioTypes(IoType.READ, IoType.WRITE).build());
        IoChannel ch = channel(dev);
        ByteBuffer raw = ByteBuffer.allocateDirect(8192 + 4096);
        int skip = raw.alignmentOffset(0, 4096) == 0 ? 0 : 4096 - raw.alignmentOffset(0, 4096);
        ByteBuffer good = raw.slice(skip, 4096);
        ByteBuffer bad = raw.slice(skip + 512, 4096);
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(good, 0, 8, got::add);
        ch.read(bad, 0, 8, got::add);
        ch.read(ByteBuffer.allocate(4096), 0, 8, got::add);
        ch.read(new ByteBuffer[]{raw.slice(skip, 1024), raw.slice(skip + 4096, 3072)}, 0, 8, got::add);
        assertThat(got).containsExactly(IoStatus.SUCCESS, IoStatus.MISALIGNED, IoStatus.SUCCESS,
                IoStatus.MISALIGNED);
    }

    @Test
    void removalWaitsForIoInFlightThenDetaches() throws Exception {
        registry.setRemovalTimeoutMillis(10_000);
        FakeDevice dev = new FakeDevice("slow");
        dev.hold = true;
        registry.addDevice(dev);
        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        BdevDescriptor d = registry.open("slow", OpenOptions.readWrite("holder")
                .withListener((e, b, desc) -> {
                    events.add(e);
                    desc.close();
                }));
        IoChannel ch = d.openChannel();
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 4; i++) {
            ch.read(ByteBuffer.allocateDirect(512), i, 1, got::add);
        }
        assertThat(dev.held).hasSize(4);
        Thread remover = new Thread(() -> registry.removeDevice(dev));
        remover.start();
        remover.join(300);
        assertThat(remover.isAlive()).as("removal waits for the outstanding I/O").isTrue();
        assertThat(dev.detached.get()).isZero();
        assertThat(events).containsExactly(BdevEvent.REMOVE);
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, got::add);
        assertThat(got).containsExactly(IoStatus.REMOVED);
        BdevIo io;
        while ((io = dev.held.poll()) != null) {
            io.complete(IoStatus.SUCCESS);
        }
        remover.join(10_000);
        assertThat(remover.isAlive()).isFalse();
        assertThat(dev.detached.get()).isEqualTo(1);
        assertThat(dev.channelsClosed.get()).as("module channel closed after its I/O drained").isEqualTo(1);
        assertThat(got).hasSize(5).containsOnly(IoStatus.SUCCESS, IoStatus.REMOVED);
    }

    @Test
    void closingADescriptorWithIoInFlightClosesTheModuleChannelAfterTheLastCompletion() {
        FakeDevice dev = new FakeDevice("inflight");
        dev.hold = true;
        registry.addDevice(dev);
        BdevDescriptor d = registry.open("inflight", OpenOptions.readWrite("holder"));
        IoChannel ch = d.openChannel();
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, got::add);
        d.close();
        assertThat(dev.channelsClosed.get()).isZero();
        dev.held.poll().complete(IoStatus.SUCCESS);
        assertThat(got).containsExactly(IoStatus.SUCCESS);
        assertThat(dev.channelsClosed.get()).isEqualTo(1);
        assertThat(registry.find("inflight").orElseThrow().holders()).isEmpty();
    }

    @Test
    void resizeIsAnnouncedToHoldersAndMovesTheBounds() {
        FakeDevice dev = new FakeDevice("grow");
        registry.addDevice(dev);
        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        BdevDescriptor d = registry.open("grow", OpenOptions.readWrite("holder").withListener((e, b, x) -> events
                .add(e)));
        IoChannel ch = d.openChannel();
        List<IoStatus> got = new CopyOnWriteArrayList<>();
        ch.read(ByteBuffer.allocateDirect(512), 1024, 1, got::add);
        dev.host.resized(2048);
        ch.read(ByteBuffer.allocateDirect(512), 1024, 1, got::add);
        assertThat(events).containsExactly(BdevEvent.RESIZE);
        assertThat(got).containsExactly(IoStatus.OUT_OF_RANGE, IoStatus.SUCCESS);
        assertThat(d.bdev().blockCount()).isEqualTo(2048);
    }
}
