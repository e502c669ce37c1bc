package io.karst.bdev.spi;

import io.karst.bdev.IoType;
import java.nio.ByteBuffer;

/**
 * A request a module makes itself (internal I/O, queue markers) or a test hands to a module: the request's facts
 * as plain fields; the subclass says what completing it means. Requests from the bdev layer are the core's own
 * objects, not these.
 */
public abstract class SimpleBdevIo implements BdevIo {
    protected IoType type;
    protected long offsetBlocks;
    protected long numBlocks;
    protected int blockSize;
    protected ByteBuffer[] iov;
    protected ByteBuffer[] writeIov;
    protected int flags;

    protected SimpleBdevIo(IoType type, long offsetBlocks, long numBlocks, int blockSize, ByteBuffer[] iov,
                           int flags) {
        this.type = type;
        this.offsetBlocks = offsetBlocks;
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.iov = iov;
        this.flags = flags;
    }

    @Override
    public IoType type() {
        return type;
    }

    @Override
    public long offsetBlocks() {
        return offsetBlocks;
    }

    @Override
    public long numBlocks() {
        return numBlocks;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public ByteBuffer[] iov() {
        return iov;
    }

    @Override
    public ByteBuffer[] writeIov() {
        return writeIov;
    }

    @Override
    public int flags() {
        return flags;
    }
}
