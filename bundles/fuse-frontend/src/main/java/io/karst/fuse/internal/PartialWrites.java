package io.karst.fuse.internal;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.BiConsumer;

/**
 * Writes that do not cover whole blocks (mke2fs zeroes 1 KiB sectors of a 4 KiB device, for one): the blocks they
 * touch are read, patched and written back, as a block device's page cache would do. One file's partial writes run
 * one after the other, so two of them never patch the same block from the same old contents; each runs on a channel
 * of its own (its read's completion submits its write), and the queue moves on from completions, so no thread waits.
 * Whole-block writes do not wait for them: a client that writes the same block at the same time from two places
 * gets no ordering between the two, as with any concurrent overlapping writes.
 */
final class PartialWrites {
    private final ArrayDeque<Op> queue = new ArrayDeque<>();
    private boolean running;

    /** Completes a FUSE request with the outcome of its write. */
    private final BiConsumer<Request, IoStatus> completion;

    PartialWrites(BiConsumer<Request, IoStatus> completion) {
        this.completion = completion;
    }

    /** Queues the write of {@code size} bytes at DATA_AT of {@code req} to byte {@code offset}. */
    void submit(BdevDescriptor descriptor, Request req, long offset, int size, int blockSize, int flags) {
        Op op = new Op(descriptor, req, offset, size, blockSize, flags);
        synchronized (this) {
            if (running) {
                queue.add(op);
                return;
            }
            running = true;
        }
        op.start();
    }

    private void next() {
        Op op;
        synchronized (this) {
            op = queue.poll();
            if (op == null) {
                running = false;
                return;
            }
        }
        op.start();
    }

    private final class Op implements IoCallback {
        private final BdevDescriptor descriptor;
        private final Request req;
        private final long offset;
        private final int size;
        private final int flags;
        private final long first;
        private final ByteBuffer span;
        private IoChannel channel;
        private boolean written;

        Op(BdevDescriptor descriptor, Request req, long offset, int size, int blockSize, int flags) {
            this.descriptor = descriptor;
            this.req = req;
            this.offset = offset;
            this.size = size;
            this.flags = flags;
            this.first = offset - offset % blockSize;
            long last = (offset + size + blockSize - 1) / blockSize * blockSize;
            this.span = Native.aligned((int) (last - first), 4096);
        }

        void start() {
            try {
                channel = descriptor.openChannel();
            } catch (RuntimeException e) {
                finish(IoStatus.REMOVED);
                return;
            }
            channel.submitBytes(IoType.READ, first, span, 0, this);
        }

        @Override
        public void ioComplete(IoStatus status) {
            if (!status.isSuccess() || written) {
                finish(status);
                return;
            }
            written = true;
            span.put((int) (offset - first), req.buf, Request.DATA_AT, size);
            // this operation's channel has nothing else in flight: submitting from the read's completion is serial
            channel.submitBytes(IoType.WRITE, first, span, flags, this);
        }

        private void finish(IoStatus status) {
            if (channel != null) {
                channel.close();
            }
            completion.accept(req, status);
            next();
        }
    }
}
