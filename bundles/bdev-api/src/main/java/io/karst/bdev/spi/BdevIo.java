package io.karst.bdev.spi;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import java.nio.ByteBuffer;

/**
 * One validated request as a module sees it. Objects are pooled by the core: a module must not touch one after
 * completing it. A BdevIo is also an {@link IoCallback}, so a virtual bdev can pass it as the callback of the
 * request it submits to its base bdev and allocate nothing.
 */
public interface BdevIo extends IoCallback {
    IoType type();

    long offsetBlocks();

    long numBlocks();

    int blockSize();

    default long offsetBytes() {
        return offsetBlocks() * blockSize();
    }

    default long lengthBytes() {
        return numBlocks() * blockSize();
    }

    /**
     * The data segments (position to limit of each): READ destination, WRITE source, COMPARE data, or the
     * compare half of COMPARE_AND_WRITE. {@code null} for types without data.
     */
    ByteBuffer[] iov();

    /** The data to write of a COMPARE_AND_WRITE; {@code null} otherwise. */
    ByteBuffer[] writeIov();

    /** The command of a {@link IoType#SCSI_PASSTHROUGH} request (offset and length are 0); {@code null} otherwise. */
    default io.karst.bdev.ScsiCommand scsiCommand() {
        return null;
    }

    /** Request flags, e.g. {@link io.karst.bdev.IoChannel#FUA}. */
    int flags();

    /** Completes the request exactly once, from any thread. */
    void complete(IoStatus status);

    @Override
    default void ioComplete(IoStatus status) {
        complete(status);
    }
}
