package io.karst.bdev.file.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import java.nio.ByteBuffer;

/** A request that is no request: put into a worker's queue to stop the worker. Each owner makes its own. */
final class StopMarker implements BdevIo {
    @Override
    public IoType type() {
        return IoType.RESET;
    }

    @Override
    public long offsetBlocks() {
        return 0;
    }

    @Override
    public long numBlocks() {
        return 0;
    }

    @Override
    public int blockSize() {
        return 512;
    }

    @Override
    public ByteBuffer[] iov() {
        return null;
    }

    @Override
    public ByteBuffer[] writeIov() {
        return null;
    }

    @Override
    public int flags() {
        return 0;
    }

    @Override
    public void complete(IoStatus status) {
        // nobody waits for a marker
    }
}
