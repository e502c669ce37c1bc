package io.karst.tcmur.internal;

import io.karst.bdev.ScsiCommand;

/**
 * Checks a pass-through CDB before a handler sees it: the CDB is as long as its group requires, and for the block
 * read/write family the block range lies inside the device and fits the data buffers. Native handlers trust these
 * fields (a bad one could make them read or write outside the buffers); a refused command gets CHECK CONDITION.
 */
final class CdbGuard {
    private CdbGuard() {
    }

    /** Required CDB length of the opcode's group, or -1 for a group without a fixed length. */
    static int groupLength(int opcode) {
        return switch (opcode >>> 5) {
            case 0 -> 6;
            case 1, 2 -> 10;
            case 4 -> 16;
            case 5 -> 12;
            default -> -1;
        };
    }

    /** Returns true when the command was refused (its results then hold the CHECK CONDITION). */
    static boolean check(ScsiCommand c, int blockSize, long blockCount) {
        int op = c.opcode();
        int need = groupLength(op);
        if (need > 0 && c.cdbLength() < need) {
            c.checkCondition(TcmurStatusMapping.ILLEGAL_REQUEST, 0x24, 0x00);
            return true;
        }
        long lba;
        long blocks;
        boolean dataOut;
        switch (op) {
            case 0x08, 0x0a -> { // READ(6), WRITE(6)
                lba = ((long) (c.cdbByte(1) & 0x1f) << 16) | c.cdbByte(2) << 8 | c.cdbByte(3);
                blocks = c.cdbByte(4) == 0 ? 256 : c.cdbByte(4);
                dataOut = op == 0x0a;
            }
            case 0x28, 0x2a, 0x2e, 0x2f -> { // READ(10), WRITE(10), WRITE AND VERIFY(10), VERIFY(10)
                lba = be32(c, 2);
                blocks = c.cdbByte(7) << 8 | c.cdbByte(8);
                dataOut = op != 0x28;
            }
            case 0xa8, 0xaa, 0xae, 0xaf -> { // the 12-byte family
                lba = be32(c, 2);
                blocks = be32(c, 6);
                dataOut = op != 0xa8;
            }
            case 0x88, 0x8a, 0x8e, 0x8f -> { // the 16-byte family
                lba = be32(c, 2) << 32 | be32(c, 6);
                blocks = be32(c, 10);
                dataOut = op != 0x88;
            }
            default -> {
                return false;
            }
        }
        if (lba < 0 || lba > blockCount || blocks > blockCount - lba) {
            c.checkCondition(TcmurStatusMapping.ILLEGAL_REQUEST, 0x21, 0x00);
            return true;
        }
        boolean verifyWithoutData = (op == 0x2f || op == 0xaf || op == 0x8f) && (c.cdbByte(1) & 0x06) == 0;
        long bytes = verifyWithoutData ? 0 : blocks * blockSize;
        if (bytes > c.transferLength()
                || (bytes > 0 && (c.direction() == ScsiCommand.Direction.TO_DEVICE) != dataOut)) {
            c.checkCondition(TcmurStatusMapping.ILLEGAL_REQUEST, 0x24, 0x00);
            return true;
        }
        return false;
    }

    private static long be32(ScsiCommand c, int at) {
        return ((long) c.cdbByte(at) << 24) | c.cdbByte(at + 1) << 16 | c.cdbByte(at + 2) << 8 | c.cdbByte(at + 3);
    }
}
