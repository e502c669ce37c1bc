package io.karst.scsi;

import java.util.Collection;

/** Answers a transport gives itself, about the LUNs of a target rather than one logical unit. */
public final class ScsiReports {
    private ScsiReports() {
    }

    /** REPORT LUNS parameter data for these LUN numbers (0..16383; single level, peripheral or flat addressing). */
    public static byte[] reportLuns(Collection<Integer> luns) {
        byte[] d = new byte[8 + 8 * luns.size()];
        Bytes.put32(d, 0, 8L * luns.size());
        int at = 8;
        for (int lun : luns.stream().sorted().toList()) {
            encodeLun(lun, d, at);
            at += 8;
        }
        return d;
    }

    /** Writes the 8-byte SAM LUN structure of a LUN number. */
    public static void encodeLun(int lun, byte[] d, int at) {
        if (lun < 256) {
            d[at] = 0;
            d[at + 1] = (byte) lun;
        } else {
            d[at] = (byte) (0x40 | (lun >>> 8));
            d[at + 1] = (byte) lun;
        }
    }

    /** The LUN number in an 8-byte SAM LUN structure, or -1 when the addressing method is not supported. */
    public static int decodeLun(long lunField) {
        int method = (int) (lunField >>> 62) & 0x3;
        int first = (int) (lunField >>> 48) & 0xFFFF;
        if ((lunField & 0x0000_FFFF_FFFF_FFFFL) != 0) {
            return -1; // multi-level LUNs
        }
        return switch (method) {
            case 0 -> (first >>> 8) == 0 ? first & 0xFF : -1; // peripheral, bus 0
            case 1 -> first & 0x3FFF; // flat space
            default -> -1;
        };
    }

    /** Standard INQUIRY data for a LUN the target does not have (peripheral qualifier 3). */
    public static byte[] inquiryNoLun() {
        return Inquiry.noLun();
    }
}
