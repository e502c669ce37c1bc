package io.karst.bdev;

import java.nio.ByteBuffer;

/**
 * Submits I/O to a bdev. One thread at a time submits on a channel; completions may arrive on any thread.
 *
 * <p>A completion callback that runs on another thread than the channel's submitting thread must not submit on
 * the same channel itself: it hands the work back to the submitting thread (an event loop, a queue), or the
 * caller serialises the two threads. Callbacks that run on the submitting thread — including completions
 * delivered before the submit call returns — may submit again; the channel then delivers their completions
 * after the outermost submit returns, so loops that resubmit from the callback iterate instead of recursing.
 *
 * <p>Data buffers are passed by reference: each {@link ByteBuffer} contributes the bytes between its position and
 * limit, and neither the layer nor a module changes a caller's position or limit. The buffers must stay untouched
 * until the completion. Direct buffers avoid copies in modules that hand memory to the kernel.
 *
 * <p>Every request completes exactly once through its {@link IoCallback}. Requests the layer rejects
 * (out of range, misaligned, unsupported, read-only, removed) complete with the matching {@link IoStatus} before
 * the submit call returns and never reach the module.
 */
public interface IoChannel extends AutoCloseable {
    /** Flag for writes: the data must be durable when the write completes (force unit access). */
    int FUA = 1;

    BdevDescriptor descriptor();

    /**
     * Submits any request. {@code iov} is the data (READ destination, WRITE source, COMPARE data,
     * COMPARE_AND_WRITE compare data); {@code writeIov} is only for COMPARE_AND_WRITE (the data to write).
     */
    void submit(IoType type, long offsetBlocks, long numBlocks, ByteBuffer[] iov, ByteBuffer[] writeIov, int flags,
                IoCallback callback);

    default void read(ByteBuffer[] iov, long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.READ, offsetBlocks, numBlocks, iov, null, 0, callback);
    }

    /** Reads into one buffer; no array is allocated for it. */
    void read(ByteBuffer buffer, long offsetBlocks, long numBlocks, IoCallback callback);

    default void write(ByteBuffer[] iov, long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.WRITE, offsetBlocks, numBlocks, iov, null, 0, callback);
    }

    /** Writes from one buffer; no array is allocated for it. */
    void write(ByteBuffer buffer, long offsetBlocks, long numBlocks, int flags, IoCallback callback);

    default void write(ByteBuffer buffer, long offsetBlocks, long numBlocks, IoCallback callback) {
        write(buffer, offsetBlocks, numBlocks, 0, callback);
    }

    default void writeZeroes(long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.WRITE_ZEROES, offsetBlocks, numBlocks, null, null, 0, callback);
    }

    default void unmap(long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.UNMAP, offsetBlocks, numBlocks, null, null, 0, callback);
    }

    /** Makes every write completed before this call durable. */
    default void flush(IoCallback callback) {
        submit(IoType.FLUSH, 0, 0, null, null, 0, callback);
    }

    default void reset(IoCallback callback) {
        submit(IoType.RESET, 0, 0, null, null, 0, callback);
    }

    default void compare(ByteBuffer[] iov, long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.COMPARE, offsetBlocks, numBlocks, iov, null, 0, callback);
    }

    default void compareAndWrite(ByteBuffer[] compare, ByteBuffer[] write, long offsetBlocks, long numBlocks,
                                 IoCallback callback) {
        submit(IoType.COMPARE_AND_WRITE, offsetBlocks, numBlocks, compare, write, 0, callback);
    }

    /**
     * Byte-addressed read or write (as NBD and files address devices): {@code offset} and the buffer's remaining
     * length must be multiples of the block size, otherwise the request completes with
     * {@link IoStatus#MISALIGNED}.
     */
    void submitBytes(IoType type, long offset, ByteBuffer buffer, int flags, IoCallback callback);

    /**
     * Passes a SCSI command through to the device ({@link IoType#SCSI_PASSTHROUGH}); see {@link ScsiCommand} for
     * the outcomes, among them {@link IoStatus#NOT_HANDLED}. Rejected with {@link IoStatus#UNSUPPORTED} when the
     * device takes no pass-through, {@link IoStatus#INVALID} when the request is malformed and
     * {@link IoStatus#READ_ONLY} for data-out on a read-only descriptor.
     */
    default void submitScsi(ScsiCommand command, IoCallback callback) {
        callback.ioComplete(IoStatus.UNSUPPORTED);
    }

    /** Closes the channel; I/O submitted afterwards completes with {@link IoStatus#REMOVED}. */
    @Override
    void close();
}
