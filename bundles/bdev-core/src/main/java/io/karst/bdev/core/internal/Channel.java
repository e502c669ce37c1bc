package io.karst.bdev.core.internal;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.spi.DeviceChannel;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The core's I/O channel: validates requests, tracks them in flight, records statistics and recycles request
 * objects. One thread submits at a time; completions come from any thread.
 *
 * <p>Completions that a module delivers on the submitting thread while a submit call is still running are
 * deferred until the outermost submit returns. Callers that resubmit from their callback (a queue-depth loop on
 * a synchronous module) therefore iterate instead of recursing.
 */
final class Channel implements IoChannel {
    private static final System.Logger LOG = System.getLogger(Channel.class.getName());

    final RegisteredBdev bdev;
    final Descriptor descriptor;
    final int blockSize;
    /** The module's channel, opened by the first request (an idle channel costs the module nothing). */
    private DeviceChannel deviceChannel;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicReference<PooledIo> free = new AtomicReference<>();
    private final AtomicBoolean deviceChannelClosed = new AtomicBoolean();
    private volatile boolean closed;

    /** The thread inside submit (written by that thread only; compared against by completing threads). */
    private volatile Thread owner;
    /** Nesting depth of submit calls on the owner thread. */
    private int depth;
    private PooledIo deferredHead;
    private PooledIo deferredTail;

    Channel(RegisteredBdev bdev, Descriptor descriptor) {
        this.bdev = bdev;
        this.descriptor = descriptor;
        this.blockSize = bdev.blockSize();
    }

    @Override
    public BdevDescriptor descriptor() {
        return descriptor;
    }

    long inFlight() {
        return inFlight.get();
    }

    @Override
    public void submit(IoType type, long offsetBlocks, long numBlocks, ByteBuffer[] iov, ByteBuffer[] writeIov,
                       int flags, IoCallback callback) {
        submit(type, offsetBlocks, numBlocks, iov, null, writeIov, flags, callback);
    }

    @Override
    public void read(ByteBuffer buffer, long offsetBlocks, long numBlocks, IoCallback callback) {
        submit(IoType.READ, offsetBlocks, numBlocks, null, buffer, null, 0, callback);
    }

    @Override
    public void write(ByteBuffer buffer, long offsetBlocks, long numBlocks, int flags, IoCallback callback) {
        submit(IoType.WRITE, offsetBlocks, numBlocks, null, buffer, null, flags, callback);
    }

    @Override
    public void submitBytes(IoType type, long offset, ByteBuffer buffer, int flags, IoCallback callback) {
        if (offset % blockSize != 0 || buffer == null || buffer.remaining() % blockSize != 0) {
            reject(callback, buffer == null ? IoStatus.INVALID : IoStatus.MISALIGNED);
            return;
        }
        submit(type, offset / blockSize, buffer.remaining() / blockSize, null, buffer, null, flags, callback);
    }

    @Override
    public void submitScsi(ScsiCommand command, IoCallback callback) {
        if (callback == null || command == null) {
            throw new NullPointerException(callback == null ? "callback" : "command");
        }
        IoStatus invalid = validateScsi(command);
        if (invalid != null) {
            reject(callback, invalid);
            return;
        }
        command.resetResults();
        PooledIo io = acquire();
        io.init(IoType.SCSI_PASSTHROUGH, 0, 0, null, null, null, 0, callback);
        io.scsi = command;
        start(io, IoType.SCSI_PASSTHROUGH, callback);
    }

    private IoStatus validateScsi(ScsiCommand command) {
        if (closed || descriptor.isClosed() || bdev.removing) {
            return IoStatus.REMOVED;
        }
        if (!bdev.supportsFast(IoType.SCSI_PASSTHROUGH)) {
            return IoStatus.UNSUPPORTED;
        }
        String reason = command.invalidReason();
        if (reason != null) {
            LOG.log(System.Logger.Level.DEBUG, "bdev {0}: invalid SCSI pass-through request from {1}: {2}",
                    bdev.name(), descriptor.holder(), reason);
            return IoStatus.INVALID;
        }
        if (command.direction() == ScsiCommand.Direction.TO_DEVICE && !descriptor.writable()) {
            return IoStatus.READ_ONLY;
        }
        return null;
    }

    private void submit(IoType type, long offsetBlocks, long numBlocks, ByteBuffer[] iov, ByteBuffer one,
                        ByteBuffer[] writeIov, int flags, IoCallback callback) {
        if (callback == null || type == null) {
            throw new NullPointerException(callback == null ? "callback" : "type");
        }
        if (type == IoType.SCSI_PASSTHROUGH) { // needs its command: only submitScsi carries one
            reject(callback, bdev.supportsFast(type) ? IoStatus.INVALID : IoStatus.UNSUPPORTED);
            return;
        }
        IoStatus invalid = validate(type, offsetBlocks, numBlocks, iov, one, writeIov);
        if (invalid != null) {
            reject(callback, invalid);
            return;
        }
        PooledIo io = acquire();
        io.init(type, offsetBlocks, numBlocks, iov, one, writeIov, flags, callback);
        io.fuaFlushPending = io.wantsFuaEmulation() && bdev.needsFuaEmulation();
        start(io, type, callback);
    }

    private void start(PooledIo io, IoType type, IoCallback callback) {
        enter();
        try {
            inFlight.incrementAndGet();
            if (closed || bdev.removing) { // re-checked after counting: removal waits for what it counted
                if (inFlight.decrementAndGet() == 0 && closed) {
                    closeDeviceChannel();
                }
                io.clear();
                release(io);
                deliver(callback, IoStatus.REMOVED);
                return;
            }
            io.startNanos = System.nanoTime();
            io.enterModule();
            try {
                DeviceChannel dc = deviceChannel;
                if (dc == null) {
                    dc = openDeviceChannel();
                }
                dc.submit(io);
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "bdev " + bdev.name() + ": module failed to submit " + type, e);
                io.complete(IoStatus.FAILED);
            }
        } finally {
            exit();
        }
    }

    private IoStatus validate(IoType type, long offset, long num, ByteBuffer[] iov, ByteBuffer one,
                              ByteBuffer[] writeIov) {
        if (closed || descriptor.isClosed() || bdev.removing) {
            return IoStatus.REMOVED;
        }
        if (!bdev.supportsFast(type)) {
            return IoStatus.UNSUPPORTED;
        }
        if (type.needsWrite() && !descriptor.writable()) {
            return IoStatus.READ_ONLY;
        }
        if (type == IoType.FLUSH || type == IoType.RESET) {
            return null;
        }
        if (num <= 0) {
            return IoStatus.INVALID;
        }
        long count = bdev.blockCount();
        if (offset < 0 || offset >= count || num > count - offset) {
            return IoStatus.OUT_OF_RANGE;
        }
        if (!type.carriesData()) {
            return null;
        }
        long expected = num * blockSize;
        IoStatus s = iov == null ? checkOne(one, expected, type == IoType.READ)
                : checkIov(iov, expected, type == IoType.READ);
        if (s == null && type == IoType.COMPARE_AND_WRITE) {
            s = writeIov == null ? IoStatus.INVALID : checkIov(writeIov, expected, false);
        }
        return s;
    }

    private IoStatus checkOne(ByteBuffer b, long expected, boolean destination) {
        if (b == null || b.remaining() != expected || (destination && b.isReadOnly())) {
            return IoStatus.INVALID;
        }
        return aligned(b, false) ? null : IoStatus.MISALIGNED;
    }

    private IoStatus checkIov(ByteBuffer[] iov, long expected, boolean destination) {
        if (iov.length == 0) {
            return IoStatus.INVALID;
        }
        long total = 0;
        boolean multi = iov.length > 1;
        for (ByteBuffer b : iov) {
            if (b == null || (destination && b.isReadOnly())) {
                return IoStatus.INVALID;
            }
            if (!aligned(b, multi)) {
                return IoStatus.MISALIGNED;
            }
            total += b.remaining();
        }
        return total == expected ? null : IoStatus.INVALID;
    }

    /** Direct buffers must start on the device's alignment (and, in a multi-segment list, span whole units). */
    private boolean aligned(ByteBuffer b, boolean lengthToo) {
        int align = bdev.requiredAlignment();
        if (align <= 1 || !b.isDirect()) {
            return true;
        }
        return b.alignmentOffset(b.position(), align) == 0 && (!lengthToo || b.remaining() % align == 0);
    }

    private void reject(IoCallback callback, IoStatus status) {
        if (callback == null) {
            throw new NullPointerException("callback");
        }
        enter();
        try {
            deliver(callback, status);
        } finally {
            exit();
        }
    }

    /** Called by a request when the module completed it (any thread). */
    void finish(PooledIo io, IoStatus status) {
        bdev.stats.record(io.requestedType, status, status == IoStatus.SUCCESS ? io.transferredBytes() : 0,
                System.nanoTime() - io.startNanos);
        IoCallback cb = io.callback;
        boolean defer = owner == Thread.currentThread() && depth > 0;
        if (defer) {
            defer(io, status);
        } else {
            io.clear();
            release(io);
        }
        if (inFlight.decrementAndGet() == 0 && closed) {
            closeDeviceChannel();
        }
        if (!defer) {
            invoke(cb, status);
        }
    }

    private void deliver(IoCallback cb, IoStatus status) {
        if (depth > 1) { // nested inside another submit on this thread: complete after it, like module completions
            PooledIo io = acquire();
            io.callback = cb;
            defer(io, status);
        } else {
            invoke(cb, status);
        }
    }

    /** Queues a completion for the outermost submit on this (the owner) thread to deliver. */
    private void defer(PooledIo io, IoStatus status) {
        io.deferredStatus = status;
        io.nextDeferred = null;
        if (deferredTail == null) {
            deferredHead = io;
        } else {
            deferredTail.nextDeferred = io;
        }
        deferredTail = io;
    }

    private void enter() {
        Thread t = Thread.currentThread();
        if (owner != t) {
            owner = t;
        }
        depth++;
    }

    private void exit() {
        if (--depth == 0) {
            drainDeferred();
        }
    }

    private void drainDeferred() {
        depth++; // callbacks that submit again defer their inline completions to this loop
        try {
            PooledIo io;
            while ((io = deferredHead) != null) {
                deferredHead = io.nextDeferred;
                if (deferredHead == null) {
                    deferredTail = null;
                }
                io.nextDeferred = null;
                IoCallback cb = io.callback;
                IoStatus status = io.deferredStatus;
                io.clear();
                release(io);
                invoke(cb, status);
            }
        } finally {
            depth--;
        }
    }

    private void invoke(IoCallback cb, IoStatus status) {
        try {
            cb.ioComplete(status);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "bdev " + bdev.name() + ": completion callback of "
                    + descriptor.holder() + " threw", e);
        }
    }

    private PooledIo acquire() {
        // single consumer (the submitting thread), many producers: pop is ABA-safe
        for (;;) {
            PooledIo head = free.get();
            if (head == null) {
                return new PooledIo(this);
            }
            if (free.compareAndSet(head, head.nextFree)) {
                head.nextFree = null;
                return head;
            }
        }
    }

    private void release(PooledIo io) {
        for (;;) {
            PooledIo head = free.get();
            io.nextFree = head;
            if (free.compareAndSet(head, io)) {
                return;
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        descriptor.channelClosed(this);
        if (inFlight.get() == 0) {
            closeDeviceChannel();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Opens the module's channel on the submitting thread; a close racing with it closes it afterwards. */
    private DeviceChannel openDeviceChannel() {
        DeviceChannel dc = bdev.device.openChannel();
        synchronized (this) {
            deviceChannel = dc;
        }
        return dc;
    }

    private void closeDeviceChannel() {
        if (deviceChannelClosed.compareAndSet(false, true)) {
            DeviceChannel dc;
            synchronized (this) {
                dc = deviceChannel;
            }
            try {
                if (dc != null) {
                    dc.close();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "bdev " + bdev.name() + ": closing a module channel failed", e);
            }
            bdev.channelRetired(this);
        }
    }
}
