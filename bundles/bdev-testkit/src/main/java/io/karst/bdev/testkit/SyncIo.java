package io.karst.bdev.testkit;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** Blocking wrappers around the asynchronous channel API, for tests. */
public final class SyncIo {
    /** How long a single test I/O may take before the test fails as hung. */
    public static final long TIMEOUT_SECONDS = 30;

    private SyncIo() {
    }

    public static IoStatus run(Consumer<IoCallback> submit) {
        CompletableFuture<IoStatus> done = new CompletableFuture<>();
        submit.accept(status -> {
            if (!done.complete(status)) {
                throw new AssertionError("completion delivered twice");
            }
        });
        try {
            return done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("I/O did not complete within " + TIMEOUT_SECONDS + " s");
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    public static IoStatus read(IoChannel ch, ByteBuffer buf, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.read(buf, offsetBlocks, numBlocks, cb));
    }

    public static IoStatus readv(IoChannel ch, ByteBuffer[] iov, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.read(iov, offsetBlocks, numBlocks, cb));
    }

    public static IoStatus write(IoChannel ch, ByteBuffer buf, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.write(buf, offsetBlocks, numBlocks, cb));
    }

    public static IoStatus writev(IoChannel ch, ByteBuffer[] iov, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.write(iov, offsetBlocks, numBlocks, cb));
    }

    public static IoStatus flush(IoChannel ch) {
        return run(ch::flush);
    }

    public static IoStatus unmap(IoChannel ch, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.unmap(offsetBlocks, numBlocks, cb));
    }

    public static IoStatus writeZeroes(IoChannel ch, long offsetBlocks, long numBlocks) {
        return run(cb -> ch.writeZeroes(offsetBlocks, numBlocks, cb));
    }

    public static IoStatus bytes(IoChannel ch, IoType type, long offset, ByteBuffer buf) {
        return run(cb -> ch.submitBytes(type, offset, buf, 0, cb));
    }
}
