package io.karst.bdev.file.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.SimpleBdevIo;
import io.karst.bdev.spi.DeviceChannel;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A request as the core would hand it to a module, completing a future (and remembering the thread). */
final class TestIo extends SimpleBdevIo {
    final CompletableFuture<IoStatus> done = new CompletableFuture<>();
    volatile Thread completedOn;
    volatile Consumer<TestIo> onComplete;

    TestIo(IoType type, long offsetBlocks, long numBlocks, int blockSize, ByteBuffer[] iov, int flags) {
        super(type, offsetBlocks, numBlocks, blockSize, iov, flags);
    }

    static TestIo read(long lba, long blocks, int bs, ByteBuffer... iov) {
        return new TestIo(IoType.READ, lba, blocks, bs, iov, 0);
    }

    static TestIo write(long lba, long blocks, int bs, ByteBuffer... iov) {
        return new TestIo(IoType.WRITE, lba, blocks, bs, iov, 0);
    }

    static TestIo of(IoType type, long lba, long blocks, int bs) {
        return new TestIo(type, lba, blocks, bs, null, 0);
    }

    /** Submits and waits. */
    IoStatus run(DeviceChannel ch) {
        ch.submit(this);
        return await();
    }

    IoStatus await() {
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(type + " at " + offsetBlocks + " did not complete", e);
        }
    }

    @Override
    public void complete(IoStatus status) {
        completedOn = Thread.currentThread();
        if (!done.complete(status)) {
            throw new AssertionError("completed twice");
        }
        Consumer<TestIo> c = onComplete;
        if (c != null) {
            c.accept(this);
        }
    }

    /** A direct buffer of {@code size} bytes starting on a 4 KiB boundary. */
    static ByteBuffer aligned(int size) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + 4096);
        int off = raw.alignmentOffset(0, 4096);
        return raw.slice(off == 0 ? 0 : 4096 - off, size);
    }

    /** Fills a buffer (position to limit) with bytes derived from a seed. */
    static ByteBuffer fill(ByteBuffer b, long seed) {
        for (int i = b.position(); i < b.limit(); i++) {
            b.put(i, (byte) (seed * 31 + i * 7 + (i >> 9)));
        }
        return b;
    }
}
