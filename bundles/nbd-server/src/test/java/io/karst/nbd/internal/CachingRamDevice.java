package io.karst.nbd.internal;

import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A RAM device with a volatile write cache, for tests of durability: writes land in the cache (and read back from
 * it); only FLUSH (or FUA) copies the cache to the "durable" image. Completes on its own thread, as devices with
 * real I/O do.
 */
final class CachingRamDevice implements BlockDevice, DeviceChannel {
    private final BdevProperties properties;
    private final byte[] cache;
    private final byte[] durable;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "caching-ram");
        t.setDaemon(true);
        return t;
    });

    CachingRamDevice(String name, int blocks) {
        properties = BdevProperties.builder(name, "cachesim").uuid(UUID.randomUUID()).productName("Caching RAM")
                .blockSize(512).blockCount(blocks).writeCache(true)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).build();
        cache = new byte[blocks * 512];
        durable = new byte[blocks * 512];
    }

    @Override
    public BdevProperties properties() {
        return properties;
    }

    @Override
    public DeviceChannel openChannel() {
        return this;
    }

    @Override
    public void submit(BdevIo io) {
        worker.execute(() -> {
            synchronized (this) {
                int off = (int) io.offsetBytes();
                switch (io.type()) {
                    case READ -> {
                        for (ByteBuffer b : io.iov()) {
                            int n = b.remaining();
                            b.duplicate().put(cache, off, n);
                            off += n;
                        }
                    }
                    case WRITE -> {
                        int start = off;
                        for (ByteBuffer b : io.iov()) {
                            int n = b.remaining();
                            b.duplicate().get(cache, off, n);
                            off += n;
                        }
                        if ((io.flags() & IoChannel.FUA) != 0) {
                            System.arraycopy(cache, start, durable, start, off - start);
                        }
                    }
                    case FLUSH -> System.arraycopy(cache, 0, durable, 0, cache.length);
                    default -> {
                        io.complete(IoStatus.UNSUPPORTED);
                        return;
                    }
                }
            }
            io.complete(IoStatus.SUCCESS);
        });
    }

    synchronized byte[] durable(int offset, int length) {
        byte[] b = new byte[length];
        System.arraycopy(durable, offset, b, 0, length);
        return b;
    }

    void shutdown() {
        worker.shutdownNow();
    }
}
