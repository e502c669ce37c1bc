package io.karst.scsi;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoType;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Standard INQUIRY data and the vital product data pages. */
final class Inquiry {
    static final int[] PAGES = {0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2};

    private Inquiry() {
    }

    static byte[] standard(ScsiLun lun) {
        byte[] d = new byte[96];
        d[0] = 0x00; // connected, direct access block device
        d[1] = 0x00; // not removable
        d[2] = 0x06; // SPC-4
        d[3] = 0x12; // HISUP, response data format 2
        d[4] = (byte) (d.length - 5);
        d[5] = (byte) (0x10); // TPGS 01: implicit ALUA
        d[6] = 0x00;
        d[7] = 0x02; // CMDQUE
        put(d, 8, LunIdentity.VENDOR, 8);
        put(d, 16, lun.options().productId(), 16);
        put(d, 32, lun.options().revision(), 4);
        // version descriptors: SAM-5, iSCSI, SPC-4, SBC-3
        Bytes.put16(d, 58, 0x00A0);
        Bytes.put16(d, 60, 0x0960);
        Bytes.put16(d, 62, 0x0460);
        Bytes.put16(d, 64, 0x04C0);
        return d;
    }

    /** A VPD page, or null when the page is not supported. */
    static byte[] vpd(ScsiLun lun, ScsiNexus nexus, int page) {
        return switch (page) {
            case 0x00 -> supportedPages();
            case 0x80 -> serial(lun);
            case 0x83 -> deviceIdentification(lun, nexus);
            case 0xB0 -> blockLimits(lun);
            case 0xB1 -> blockCharacteristics();
            case 0xB2 -> provisioning(lun);
            default -> null;
        };
    }

    private static byte[] supportedPages() {
        byte[] d = new byte[4 + PAGES.length];
        d[1] = 0x00;
        d[3] = (byte) PAGES.length;
        for (int i = 0; i < PAGES.length; i++) {
            d[4 + i] = (byte) PAGES[i];
        }
        return d;
    }

    private static byte[] serial(ScsiLun lun) {
        byte[] s = lun.identity().serial().getBytes(StandardCharsets.US_ASCII);
        byte[] d = new byte[4 + s.length];
        d[1] = (byte) 0x80;
        d[3] = (byte) s.length;
        System.arraycopy(s, 0, d, 4, s.length);
        return d;
    }

    private static byte[] deviceIdentification(ScsiLun lun, ScsiNexus nexus) {
        LunIdentity id = lun.identity();
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        // logical unit: NAA (binary), EUI-64 (binary), T10 vendor ID (ASCII), UUID (binary)
        byte[] naa = new byte[8];
        Bytes.put64(naa, 0, id.naa());
        designator(o, 1, 0, 0x3, naa);
        byte[] eui = new byte[8];
        Bytes.put64(eui, 0, id.eui64());
        designator(o, 1, 0, 0x2, eui);
        designator(o, 2, 0, 0x1, id.t10Designator());
        byte[] uuid = new byte[18];
        uuid[0] = 0x10; // UUID type 1 (RFC 4122)
        uuid[1] = 16;
        Bytes.put64(uuid, 2, id.uuid().getMostSignificantBits());
        Bytes.put64(uuid, 10, id.uuid().getLeastSignificantBits());
        designator(o, 1, 0, 0xA, uuid);
        if (nexus != null) {
            // target port: relative target port, target port group, SCSI name string of the port
            byte[] rel = new byte[4];
            Bytes.put16(rel, 2, nexus.relativeTargetPort());
            designatorPort(o, 1, 1, 0x4, rel, true);
            int group = groupOf(lun.options().portGroups().get(), nexus.relativeTargetPort());
            byte[] tpg = new byte[4];
            Bytes.put16(tpg, 2, group);
            designatorPort(o, 1, 1, 0x5, tpg, true);
            designatorPort(o, 3, 1, 0x8, scsiName(nexus.targetPort()), true);
        }
        byte[] body = o.toByteArray();
        byte[] d = new byte[4 + body.length];
        d[1] = (byte) 0x83;
        Bytes.put16(d, 2, body.length);
        System.arraycopy(body, 0, d, 4, body.length);
        return d;
    }

    private static int groupOf(List<PortGroup> groups, int port) {
        for (PortGroup g : groups) {
            if (g.relativePorts().contains(port)) {
                return g.id();
            }
        }
        return groups.isEmpty() ? 0 : groups.get(0).id();
    }

    /** A SCSI name string: null-terminated UTF-8, padded to a multiple of 4 bytes. */
    private static byte[] scsiName(String name) {
        byte[] s = name.getBytes(StandardCharsets.UTF_8);
        int len = (s.length + 1 + 3) & ~3;
        byte[] d = new byte[Math.min(len, 252)];
        System.arraycopy(s, 0, d, 0, Math.min(s.length, d.length - 1));
        return d;
    }

    private static void designator(java.io.ByteArrayOutputStream o, int codeSet, int association, int type,
                                   byte[] value) {
        designatorPort(o, codeSet, association, type, value, false);
    }

    private static void designatorPort(java.io.ByteArrayOutputStream o, int codeSet, int association, int type,
                                       byte[] value, boolean piv) {
        o.write(0x50 | codeSet); // protocol identifier iSCSI (5) when PIV is set; code set
        o.write((piv ? 0x80 : 0) | (association << 4) | type);
        o.write(0);
        o.write(value.length);
        o.write(value, 0, value.length);
    }

    private static byte[] blockLimits(ScsiLun lun) {
        Bdev b = lun.bdev();
        byte[] d = new byte[64];
        d[1] = (byte) 0xB0;
        Bytes.put16(d, 2, 0x3C);
        d[4] = 0x00; // WSNZ 0: WRITE SAME of 0 blocks writes to the end of the medium
        d[5] = (byte) ScsiLun.MAX_COMPARE_AND_WRITE_BLOCKS;
        int granularity = Math.max(1, b.optimalIoBoundary());
        Bytes.put16(d, 6, Math.min(granularity, 0xFFFF));
        long maxBlocks = lun.options().maxTransferBytes() / b.blockSize();
        Bytes.put32(d, 8, maxBlocks);
        Bytes.put32(d, 12, maxBlocks);
        if (lun.thinProvisioned()) {
            Bytes.put32(d, 20, ScsiLun.MAX_UNMAP_BLOCKS);
            Bytes.put32(d, 24, ScsiLun.MAX_UNMAP_DESCRIPTORS);
            Bytes.put32(d, 28, 1);
        }
        Bytes.put64(d, 36, ScsiLun.MAX_WRITE_SAME_BLOCKS); // MAXIMUM WRITE SAME LENGTH
        return d;
    }

    private static byte[] blockCharacteristics() {
        byte[] d = new byte[64];
        d[1] = (byte) 0xB1;
        Bytes.put16(d, 2, 0x3C);
        Bytes.put16(d, 4, 1); // non-rotating medium
        return d;
    }

    private static byte[] provisioning(ScsiLun lun) {
        byte[] d = new byte[8];
        d[1] = (byte) 0xB2;
        Bytes.put16(d, 2, 4);
        boolean thin = lun.thinProvisioned();
        if (thin) {
            int lbprz = lun.bdev().unmapReadsZeroes() ? 0x04 : 0;
            d[5] = (byte) (0x80 | 0x40 | 0x20 | lbprz); // LBPU, LBPWS, LBPWS10, LBPRZ
            d[6] = 0x02; // thin provisioned
        } else {
            d[6] = 0x00; // fully provisioned
        }
        return d;
    }

    /** Standard INQUIRY for a LUN that does not exist: peripheral qualifier 3, type 0x1F. */
    static byte[] noLun() {
        byte[] d = new byte[36];
        d[0] = 0x7F;
        d[2] = 0x06;
        d[3] = 0x12;
        d[4] = 31;
        put(d, 8, LunIdentity.VENDOR, 8);
        put(d, 16, "No such LUN", 16);
        put(d, 32, "0001", 4);
        return d;
    }

    private static void put(byte[] d, int at, String s, int width) {
        for (int i = 0; i < width; i++) {
            d[at + i] = (byte) (i < s.length() ? s.charAt(i) : ' ');
        }
    }

    static boolean supportsWriteZeroes(Bdev b) {
        return b.supports(IoType.WRITE_ZEROES);
    }
}
