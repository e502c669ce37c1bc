package io.karst.tcmur.internal;

import io.karst.bdev.ScsiCommand;
import io.karst.bdev.spi.BdevIo;
import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurCommand;
import io.karst.tcmur.TcmurOperation;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One command slot of a device: pooled (a device has a fixed number, its outstanding-command limit), so the I/O
 * path allocates nothing in steady state. What a Java handler sees as its {@link TcmurCommand}; a native device
 * binds a native command to it.
 */
final class Request implements TcmurCommand {
    static final int CDB_CAPACITY = 264;
    static final int SENSE_SIZE = 96;
    private static final ByteBuffer[] NO_DATA = new ByteBuffer[0];

    static final int IDLE = 0;
    static final int RUNNING = 1;

    final TcmurBdev device;
    final int index;
    /** The CDB memory (native command memory for native handlers). */
    ByteBuffer cdbMemory;
    /** The sense memory (native command memory for native handlers). */
    ByteBuffer senseMemory;
    /** The native command, 0 for Java handlers. */
    long nativeCmd;
    /** Native: (address, length) pairs the native side copies into the handler's iovec. */
    ByteBuffer stage;
    /** A direct bounce buffer for data native code cannot address (heap buffers, too many segments). */
    ByteBuffer bounce;
    boolean bounced;

    final AtomicInteger state = new AtomicInteger(IDLE);

    TcmurOperation op;
    long offset;
    long length;
    ByteBuffer[] data = NO_DATA;
    int cdbLength;
    BdevIo io;
    ScsiCommand scsi;
    /** An emulation in progress ({@link TcmurBdev}), or null. */
    Object emulation;

    private ByteBuffer cdbView;

    Request(TcmurBdev device, int index) {
        this.device = device;
        this.index = index;
    }

    void setMemory(ByteBuffer cdb, ByteBuffer sense) {
        this.cdbMemory = cdb;
        this.senseMemory = sense;
    }

    void clear() {
        io = null;
        scsi = null;
        data = NO_DATA;
        emulation = null;
        bounced = false;
        op = null;
    }

    void setData(ByteBuffer[] iov) {
        data = iov == null ? NO_DATA : iov;
    }

    /** Writes a 16-byte block CDB: opcode, LBA, block count. */
    void blockCdb(int opcode, long lba, long blocks) {
        ByteBuffer c = cdbMemory;
        for (int i = 0; i < 16; i++) {
            c.put(i, (byte) 0);
        }
        c.put(0, (byte) opcode);
        c.putLong(2, lba);
        c.putInt(10, (int) Math.min(blocks, 0xffffffffL));
        cdbLength = 16;
    }

    /**
     * Writes the shortest common block CDB for a raw-command handler: the 10-byte form (READ(10), WRITE(10),
     * SYNCHRONIZE CACHE(10)) when the range fits it, which every handler knows, else the 16-byte form.
     */
    void rawBlockCdb(int opcode10, int opcode16, long lba, long blocks) {
        if (lba <= 0xffffffffL && blocks <= 0xffff) {
            ByteBuffer c = cdbMemory;
            for (int i = 0; i < 10; i++) {
                c.put(i, (byte) 0);
            }
            c.put(0, (byte) opcode10);
            c.putInt(2, (int) lba);
            c.putShort(7, (short) blocks);
            cdbLength = 10;
        } else {
            blockCdb(opcode16, lba, blocks);
        }
    }

    void copyCdb(ByteBuffer src) {
        int n = src.remaining();
        cdbMemory.put(0, src, src.position(), n);
        cdbLength = n;
    }

    @Override
    public ByteBuffer cdb() {
        ByteBuffer v = cdbView;
        if (v == null) {
            v = cdbMemory.asReadOnlyBuffer();
            cdbView = v;
        }
        return v.limit(cdbLength).position(0);
    }

    @Override
    public ByteBuffer[] data() {
        return data;
    }

    @Override
    public ByteBuffer sense() {
        return senseMemory;
    }

    @Override
    public int setSense(int senseKey, int ascAscq) {
        ByteBuffer s = senseMemory;
        for (int i = 0; i < SENSE_SIZE; i++) {
            s.put(i, (byte) 0);
        }
        s.put(0, (byte) 0x70);
        s.put(2, (byte) (senseKey & 0x0f));
        s.put(7, (byte) 0x0a);
        s.put(12, (byte) (ascAscq >> 8));
        s.put(13, (byte) ascAscq);
        return TcmuStatus.PASSTHROUGH_ERR;
    }

    void clearSense() {
        for (int i = 0; i < SENSE_SIZE; i++) {
            senseMemory.put(i, (byte) 0);
        }
    }

    @Override
    public void complete(int status) {
        handlerComplete(status);
    }

    /** A completion from the handler (any thread): only the first for an outstanding command counts. */
    void handlerComplete(int status) {
        if (!state.compareAndSet(RUNNING, IDLE)) {
            device.log(System.Logger.Level.ERROR, "handler completed a command that is not outstanding (status "
                    + TcmuStatus.name(status) + "); ignored");
            return;
        }
        device.finish(this, status);
    }

    /** A status the exec call returned on the calling thread. */
    void syncComplete(int status) {
        if (state.compareAndSet(RUNNING, IDLE)) {
            device.finish(this, status);
        }
    }
}
