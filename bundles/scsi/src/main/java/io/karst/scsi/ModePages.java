package io.karst.scsi;

import io.karst.bdev.Bdev;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * MODE SENSE and MODE SELECT (6 and 10): the read-write error recovery, caching (WCE reflects the bdev's write
 * cache), control (D_SENSE is changeable) and informational exceptions pages.
 */
final class ModePages {
    private static final int PC_CURRENT = 0;
    private static final int PC_CHANGEABLE = 1;
    private static final int PC_DEFAULT = 2;
    private static final int PC_SAVED = 3;

    private ModePages() {
    }

    static void modeSense(ScsiLun lun, ScsiTask t, byte[] c, boolean ten) {
        boolean dbd = (c[1] & 0x08) != 0;
        boolean llbaa = ten && (c[1] & 0x10) != 0;
        int pc = (c[2] >>> 6) & 0x03;
        int page = c[2] & 0x3F;
        int subpage = c[3] & 0xFF;
        int alloc = ten ? Bytes.u16(c, 7) : c[4] & 0xFF;
        if (pc == PC_SAVED) {
            lun.fail(t, Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
            return;
        }
        ByteArrayOutputStream pages = new ByteArrayOutputStream();
        if (page == 0x3F) {
            if (subpage != 0x00 && subpage != 0xFF) {
                lun.fail(t, Sense.INVALID_FIELD_IN_CDB);
                return;
            }
            for (int p : new int[] {0x01, 0x08, 0x0A, 0x1C}) {
                pages.writeBytes(page(lun, p, pc));
            }
        } else {
            byte[] one = subpage == 0 ? page(lun, page, pc) : null;
            if (one == null) {
                lun.fail(t, Sense.INVALID_FIELD_IN_CDB);
                return;
            }
            pages.writeBytes(one);
        }
        Bdev b = lun.bdev();
        byte[] block = new byte[0];
        if (!dbd) {
            if (llbaa) {
                block = new byte[16];
                Bytes.put64(block, 0, b.blockCount());
                Bytes.put32(block, 12, b.blockSize());
            } else {
                block = new byte[8];
                long n = b.blockCount();
                if (ten) {
                    Bytes.put32(block, 0, n > 0xFFFFFFFFL ? 0xFFFFFFFFL : n);
                } else {
                    Bytes.put32(block, 0, n > 0xFFFFFFFFL ? 0xFFFFFFFFL : n);
                }
                Bytes.put32(block, 4, b.blockSize() & 0xFFFFFF);
            }
        }
        int devSpecific = 0x10 | (lun.writeProtected() ? 0x80 : 0); // DPOFUA, WP
        byte[] body = pages.toByteArray();
        byte[] d;
        if (ten) {
            d = new byte[8 + block.length + body.length];
            Bytes.put16(d, 0, d.length - 2);
            d[3] = (byte) devSpecific;
            d[4] = (byte) (llbaa && !dbd ? 0x01 : 0);
            Bytes.put16(d, 6, block.length);
            System.arraycopy(block, 0, d, 8, block.length);
            System.arraycopy(body, 0, d, 8 + block.length, body.length);
        } else {
            d = new byte[4 + block.length + body.length];
            d[0] = (byte) (d.length - 1);
            d[2] = (byte) devSpecific;
            d[3] = (byte) block.length;
            System.arraycopy(block, 0, d, 4, block.length);
            System.arraycopy(body, 0, d, 4 + block.length, body.length);
        }
        lun.respond(t, d, d.length, alloc);
    }

    /** One page in the given page control, or null when not supported. */
    static byte[] page(ScsiLun lun, int page, int pc) {
        boolean changeable = pc == PC_CHANGEABLE;
        boolean current = pc == PC_CURRENT;
        switch (page) {
            case 0x01 -> {
                byte[] p = new byte[12];
                p[0] = 0x01;
                p[1] = 10;
                if (!changeable) {
                    p[2] = (byte) 0x80; // AWRE
                }
                return p;
            }
            case 0x08 -> {
                byte[] p = new byte[20];
                p[0] = 0x08;
                p[1] = 18;
                if (!changeable && lun.bdev().writeCache()) {
                    p[2] = 0x04; // WCE
                }
                return p;
            }
            case 0x0A -> {
                byte[] p = new byte[12];
                p[0] = 0x0A;
                p[1] = 10;
                if (changeable) {
                    p[2] = 0x04; // D_SENSE can be changed
                    return p;
                }
                p[2] = (byte) (current && lun.descriptorSense() ? 0x04 : 0);
                p[3] = 0x10; // unrestricted reordering
                p[5] = 0x40; // TAS: aborted tasks of other nexuses get TASK ABORTED
                Bytes.put16(p, 8, 0xFFFF); // busy timeout: unlimited
                return p;
            }
            case 0x1C -> {
                byte[] p = new byte[12];
                p[0] = 0x1C;
                p[1] = 10;
                return p;
            }
            default -> {
                return null;
            }
        }
    }

    static void modeSelect(ScsiLun lun, ScsiTask t, byte[] c, boolean ten) {
        boolean pf = (c[1] & 0x10) != 0;
        boolean sp = (c[1] & 0x01) != 0;
        int length = ten ? Bytes.u16(c, 7) : c[4] & 0xFF;
        if (sp) {
            lun.fail(t, Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
            return;
        }
        if (length == 0) {
            lun.good(t);
            return;
        }
        if (!pf) {
            lun.fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        ByteBuffer out = t.dataOut();
        int header = ten ? 8 : 4;
        if (out == null || out.remaining() < length || length < header) {
            lun.fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        byte[] p = new byte[length];
        out.get(out.position(), p, 0, length);
        int blockLen = ten ? Bytes.u16(p, 6) : p[3] & 0xFF;
        int at = header + blockLen;
        if (at > length) {
            lun.fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        if (blockLen > 0) {
            // block descriptors may only restate the current block size
            int size = ten && (p[4] & 1) != 0 ? (int) Bytes.u32(p, header + 12) : Bytes.u24(p, header + 5);
            if (size != lun.bdev().blockSize()) {
                lun.fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
        }
        Boolean dsense = null;
        while (at < length) {
            if (at + 2 > length) {
                lun.fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
                return;
            }
            int code = p[at] & 0x3F;
            boolean spf = (p[at] & 0x40) != 0;
            int plen = (p[at + 1] & 0xFF) + 2;
            if (spf || at + plen > length) {
                lun.fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
            byte[] current = page(lun, code, PC_CURRENT);
            byte[] changeable = page(lun, code, PC_CHANGEABLE);
            if (current == null || plen != current.length) {
                lun.fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
            for (int i = 2; i < plen; i++) {
                int diff = (p[at + i] ^ current[i]) & 0xFF;
                if ((diff & ~changeable[i] & 0xFF) != 0) {
                    lun.fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
                    return;
                }
            }
            if (code == 0x0A) {
                dsense = (p[at + 2] & 0x04) != 0;
            }
            at += plen;
        }
        if (dsense != null) {
            lun.setDescriptorSense(dsense);
        }
        lun.good(t);
    }
}
