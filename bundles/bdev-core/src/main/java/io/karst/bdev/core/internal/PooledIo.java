package io.karst.bdev.core.internal;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.spi.BdevIo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One request in flight: what the module sees as {@link BdevIo}. Owned by a {@link Channel}, which recycles it,
 * so the steady-state I/O path allocates nothing.
 */
final class PooledIo implements BdevIo {
    private static final System.Logger LOG = System.getLogger(PooledIo.class.getName());
    private static final VarHandle PHASE;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(PooledIo.class, "phase", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final int IDLE = 0;
    static final int IN_MODULE = 1;
    static final int DONE = 2;

    final Channel channel;
    final ByteBuffer[] single = new ByteBuffer[1];

    IoType type;
    /** The type the caller asked for (differs from {@link #type} while an emulated FUA flush runs). */
    IoType requestedType;
    long offsetBlocks;
    long numBlocks;
    ByteBuffer[] iov;
    ByteBuffer[] writeIov;
    int flags;
    IoCallback callback;
    /** The command of a SCSI pass-through request. */
    ScsiCommand scsi;
    long startNanos;
    boolean fuaFlushPending;
    /** Status to deliver when the completion was deferred (see {@link Channel}). */
    IoStatus deferredStatus;

    /** Free-list link (guarded by the channel's lock-free stack). */
    PooledIo nextFree;
    /** Deferred-completion link (touched by the channel's owner thread only). */
    PooledIo nextDeferred;

    @SuppressWarnings("unused") // accessed through PHASE
    private volatile int phase;

    PooledIo(Channel channel) {
        this.channel = channel;
    }

    void init(IoType t, long offset, long num, ByteBuffer[] data, ByteBuffer one, ByteBuffer[] toWrite, int f,
              IoCallback cb) {
        type = t;
        requestedType = t;
        offsetBlocks = offset;
        numBlocks = num;
        if (data == null && one != null) {
            single[0] = one;
            iov = single;
        } else {
            iov = data;
        }
        writeIov = toWrite;
        flags = f;
        callback = cb;
        fuaFlushPending = false;
        deferredStatus = null;
        scsi = null;
    }

    void enterModule() {
        PHASE.setRelease(this, IN_MODULE);
    }

    void clear() {
        iov = null;
        writeIov = null;
        single[0] = null;
        callback = null;
        scsi = null;
        deferredStatus = null;
        PHASE.setRelease(this, IDLE);
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
        return channel.blockSize;
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
    public ScsiCommand scsiCommand() {
        return scsi;
    }

    /** Bytes a successful request moved: the block range, or a pass-through command's transfer less residual. */
    long transferredBytes() {
        ScsiCommand c = scsi;
        return c != null ? c.transferLength() - c.residual() : numBlocks * channel.blockSize;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public void complete(IoStatus status) {
        if (!PHASE.compareAndSet(this, IN_MODULE, DONE)) {
            LOG.log(System.Logger.Level.ERROR, "bdev {0}: module completed a {1} request that is not outstanding"
                    + " (completed twice?); ignored", channel.bdev.name(), type);
            return;
        }
        if (status == null || (status == IoStatus.NOT_HANDLED && scsi == null)) {
            status = IoStatus.FAILED; // NOT_HANDLED is an answer to pass-through only
        }
        if (fuaFlushPending && status == IoStatus.SUCCESS) {
            fuaFlushPending = false;
            type = IoType.FLUSH;
            channel.bdev.submitEmulatedFlush(this);
            return;
        }
        channel.finish(this, status);
    }

    boolean wantsFuaEmulation() {
        return (flags & IoChannel.FUA) != 0 && requestedType == IoType.WRITE;
    }
}
