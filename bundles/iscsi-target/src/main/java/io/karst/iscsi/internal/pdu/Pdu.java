package io.karst.iscsi.internal.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One decoded iSCSI PDU: the 48-byte basic header segment (copied), and the data segment as a slice of the
 * received bytes (no copy; release the PDU when done). Field accessors follow RFC 7143's layout; which ones mean
 * something depends on the opcode.
 */
public final class Pdu extends AbstractReferenceCounted {
    public static final int BHS_LENGTH = 48;
    public static final int RESERVED_TAG = 0xFFFFFFFF;

    private final byte[] bhs;
    private final ByteBuf data;

    public Pdu(byte[] bhs, ByteBuf data) {
        if (bhs.length != BHS_LENGTH) {
            throw new IllegalArgumentException("BHS must be 48 bytes");
        }
        this.bhs = bhs;
        this.data = data;
    }

    public byte[] bhs() {
        return bhs;
    }

    /** The data segment without padding (may be empty, never null). */
    public ByteBuf data() {
        return data;
    }

    public int opcode() {
        return bhs[0] & 0x3F;
    }

    public boolean immediate() {
        return (bhs[0] & 0x40) != 0;
    }

    public int flags() {
        return bhs[1] & 0xFF;
    }

    public boolean finalBit() {
        return (bhs[1] & 0x80) != 0;
    }

    public int totalAhsLength() {
        return (bhs[4] & 0xFF) * 4;
    }

    public int dataSegmentLength() {
        return ((bhs[5] & 0xFF) << 16) | ((bhs[6] & 0xFF) << 8) | (bhs[7] & 0xFF);
    }

    public long lun() {
        return u64(8);
    }

    public int itt() {
        return u32(16);
    }

    public int field20() {
        return u32(20);
    }

    public int field24() {
        return u32(24);
    }

    public int field28() {
        return u32(28);
    }

    public int field32() {
        return u32(32);
    }

    public int field36() {
        return u32(36);
    }

    public int field40() {
        return u32(40);
    }

    public int field44() {
        return u32(44);
    }

    public int u32(int at) {
        return ((bhs[at] & 0xFF) << 24) | ((bhs[at + 1] & 0xFF) << 16) | ((bhs[at + 2] & 0xFF) << 8)
                | (bhs[at + 3] & 0xFF);
    }

    public int u16(int at) {
        return ((bhs[at] & 0xFF) << 8) | (bhs[at + 1] & 0xFF);
    }

    public long u64(int at) {
        return ((long) u32(at) << 32) | (u32(at + 4) & 0xFFFFFFFFL);
    }

    @Override
    protected void deallocate() {
        data.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        data.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return String.format("PDU %s itt=0x%08x dsl=%d", Opcode.name(opcode()), itt(), dataSegmentLength());
    }
}
