package io.karst.bdev.core.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A scriptable device for core tests: completes inline, or holds requests until the test releases them. */
final class FakeDevice implements BlockDevice, DeviceChannel {
    final BdevProperties props;
    final List<IoType> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final List<Integer> flags = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final BlockingQueue<BdevIo> held = new LinkedBlockingQueue<>();
    final AtomicInteger detached = new AtomicInteger();
    final AtomicInteger channelsClosed = new AtomicInteger();
    volatile boolean hold;
    volatile Consumer<BdevIo> behaviour = io -> io.complete(IoStatus.SUCCESS);
    volatile BdevHost host;

    FakeDevice(String name) {
        this(BdevProperties.builder(name, "fake").blockSize(512).blockCount(1024)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).build());
    }

    FakeDevice(BdevProperties props) {
        this.props = props;
    }

    @Override
    public BdevProperties properties() {
        return props;
    }

    @Override
    public DeviceChannel openChannel() {
        return new DeviceChannel() {
            @Override
            public void submit(BdevIo io) {
                FakeDevice.this.submit(io);
            }

            @Override
            public void close() {
                channelsClosed.incrementAndGet();
            }
        };
    }

    @Override
    public void submit(BdevIo io) {
        seen.add(io.type());
        flags.add(io.flags());
        if (hold) {
            held.add(io);
        } else {
            behaviour.accept(io);
        }
    }

    @Override
    public void attach(BdevHost h) {
        host = h;
    }

    @Override
    public void detach() {
        detached.incrementAndGet();
    }
}
