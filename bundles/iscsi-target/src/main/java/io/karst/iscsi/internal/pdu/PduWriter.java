package io.karst.iscsi.internal.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;

/**
 * Encodes outgoing PDUs onto a channel: header (with header digest), data segment passed by reference (no copy),
 * padding and data digest. The caller fills the 48-byte BHS; this class sets the data segment length.
 */
public final class PduWriter {
    private static final byte[] ZEROES = new byte[4];
    private boolean headerDigest;
    private boolean dataDigest;

    public void configure(boolean header, boolean data) {
        this.headerDigest = header;
        this.dataDigest = data;
    }

    /** A zeroed BHS buffer with the opcode set, and room for the header digest. */
    public ByteBuf header(ByteBufAllocator alloc, int opcode) {
        ByteBuf h = alloc.ioBuffer(Pdu.BHS_LENGTH + 4);
        h.writeZero(Pdu.BHS_LENGTH);
        h.setByte(0, opcode);
        return h;
    }

    /**
     * Writes header and data (both released by the channel when written). {@code data} may be null. Small data
     * segments are copied into the header buffer; large ones go as their own buffer.
     */
    public void write(ChannelHandlerContext ctx, ByteBuf header, ByteBuf data) {
        int dsl = data == null ? 0 : data.readableBytes();
        header.setMedium(5, dsl);
        if (headerDigest) {
            header.writeIntLE(Digests.crc32c(header, 0, Pdu.BHS_LENGTH));
        }
        int pad = (4 - (dsl & 3)) & 3;
        if (dsl == 0) {
            if (data != null) {
                data.release();
            }
            ctx.write(header, ctx.voidPromise());
            return;
        }
        int digest = dataDigest ? Digests.dataDigest(data, data.readerIndex(), dsl) : 0;
        if (dsl <= 1024) {
            header.writeBytes(data, data.readerIndex(), dsl);
            data.release();
            header.writeBytes(ZEROES, 0, pad);
            if (dataDigest) {
                header.writeIntLE(digest);
            }
            ctx.write(header, ctx.voidPromise());
            return;
        }
        ctx.write(header, ctx.voidPromise());
        ctx.write(data, ctx.voidPromise());
        if (pad > 0 || dataDigest) {
            ByteBuf tail = ctx.alloc().ioBuffer(8);
            tail.writeBytes(ZEROES, 0, pad);
            if (dataDigest) {
                tail.writeIntLE(digest);
            }
            ctx.write(tail, ctx.voidPromise());
        }
    }
}
