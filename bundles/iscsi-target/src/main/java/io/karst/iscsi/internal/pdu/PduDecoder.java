package io.karst.iscsi.internal.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Frames iSCSI PDUs: BHS, AHS, header digest, data segment with padding, data digest. Checks the digests it was
 * told to expect and the data segment length against the limit this side declared; any violation is a
 * {@link PduException} (the connection handler answers it and closes the connection). AHS content is skipped
 * (Karst needs none: extended CDBs are refused by the command handler through the AHS length).
 */
public final class PduDecoder extends ByteToMessageDecoder {
    /** The data segment length a login PDU may carry (RFC 7143: 8192 until negotiated). */
    public static final int LOGIN_MAX_DATA = 8192;

    private boolean headerDigest;
    private boolean dataDigest;
    private int maxDataSegment = LOGIN_MAX_DATA;

    /** Applies negotiated parameters; takes effect with the next PDU. */
    public void configure(boolean header, boolean data, int maxRecvDataSegmentLength) {
        this.headerDigest = header;
        this.dataDigest = data;
        this.maxDataSegment = maxRecvDataSegmentLength;
    }

    public int maxDataSegment() {
        return maxDataSegment;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        Pdu pdu = decodeOne(in);
        if (pdu != null) {
            out.add(pdu);
        }
    }

    /** Decodes one PDU if the buffer holds all of it; returns null (consuming nothing) otherwise. */
    public Pdu decodeOne(ByteBuf in) {
        int start = in.readerIndex();
        if (in.readableBytes() < Pdu.BHS_LENGTH) {
            return null;
        }
        int ahs = (in.getUnsignedByte(start + 4)) * 4;
        int dsl = in.getUnsignedMedium(start + 5);
        int opcode = in.getByte(start) & 0x3F;
        if (!Opcode.isInitiatorOpcode(opcode)) {
            throw new PduException(PduException.Kind.PROTOCOL, "unknown or target-only opcode 0x"
                    + Integer.toHexString(opcode));
        }
        // login PDUs always have the 8192 limit of their phase, whatever was negotiated before
        int limit = maxDataSegment;
        if (dsl > limit) {
            throw new PduException(PduException.Kind.OVERSIZE, "data segment of " + dsl
                    + " bytes exceeds MaxRecvDataSegmentLength " + limit);
        }
        int headerLength = Pdu.BHS_LENGTH + ahs + (headerDigest ? 4 : 0);
        int padded = (dsl + 3) & ~3;
        int total = headerLength + padded + (dataDigest && dsl > 0 ? 4 : 0);
        if (in.readableBytes() < total) {
            return null;
        }
        if (headerDigest) {
            int expect = Digests.crc32c(in, start, Pdu.BHS_LENGTH + ahs);
            int got = in.getIntLE(start + Pdu.BHS_LENGTH + ahs);
            if (expect != got) {
                in.skipBytes(total);
                throw new PduException(PduException.Kind.HEADER_DIGEST, String.format(
                        "header digest mismatch: computed 0x%08x, received 0x%08x", expect, got));
            }
        }
        byte[] bhs = new byte[Pdu.BHS_LENGTH];
        in.getBytes(start, bhs);
        ByteBuf data;
        if (dataDigest && dsl > 0) {
            int expect = Digests.crc32c(in, start + headerLength, padded);
            int got = in.getIntLE(start + headerLength + padded);
            if (expect != got) {
                in.skipBytes(total);
                throw new PduException(PduException.Kind.DATA_DIGEST, String.format(
                        "data digest mismatch: computed 0x%08x, received 0x%08x", expect, got), bhs);
            }
        }
        data = dsl == 0 ? io.netty.buffer.Unpooled.EMPTY_BUFFER : in.retainedSlice(start + headerLength, dsl);
        in.skipBytes(total);
        return new Pdu(bhs, data);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof DecoderException de && de.getCause() instanceof PduException pe) {
            ctx.fireExceptionCaught(pe);
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
