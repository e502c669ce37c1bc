package io.karst.fuse.internal;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoStatus;
import java.nio.ByteBuffer;

/**
 * One request buffer of the FUSE device, and the state of the block I/O it carries while that is in flight
 * (the buffer is the completion callback, so a request allocates nothing).
 *
 * <p>Layout: the request is read to {@link #REQUEST_AT}, so that a WRITE's payload (after the 40-byte header and the
 * 40-byte write arguments) starts at {@link #DATA_AT}, a 4096-byte boundary: the bdev writes straight from the
 * buffer. A READ's data is read to {@code DATA_AT} and the 16-byte reply header is put just before it, so the
 * reply is one write(2) of header and data with no copy.
 */
final class Request implements IoCallback {
    static final int DATA_AT = 4096;
    static final int REQUEST_AT = DATA_AT - FuseProtocol.IN_HEADER - FuseProtocol.WRITE_IN;
    static final int REPLY_AT = DATA_AT - FuseProtocol.OUT_HEADER;
    /** Room beyond max_write for reads that do not start or end on a block boundary (blocks up to 64 KiB). */
    static final int SPAN_SLACK = 2 * 65536;

    final ByteBuffer buf;
    /** The view handed to the bdev: position and limit set per I/O. */
    final ByteBuffer data;
    final long address;
    final int dataCapacity;
    private final FuseSession session;

    // the I/O in flight
    long unique;
    int opcode;
    Export export;
    int replyAt;
    int payload;

    Request(FuseSession session, Native n, int maxWrite) {
        this.session = session;
        this.dataCapacity = maxWrite + SPAN_SLACK;
        this.buf = Native.aligned(DATA_AT + dataCapacity, 4096);
        this.data = buf.duplicate();
        this.address = n.address(buf);
    }

    /** How many bytes a read of the device may fill. */
    int readLength() {
        return buf.capacity() - REQUEST_AT;
    }

    @Override
    public void ioComplete(IoStatus status) {
        session.complete(this, status);
    }
}
