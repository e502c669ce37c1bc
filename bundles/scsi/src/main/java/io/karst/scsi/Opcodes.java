package io.karst.scsi;

/** SCSI operation codes this package knows. */
public final class Opcodes {
    public static final int TEST_UNIT_READY = 0x00;
    public static final int REQUEST_SENSE = 0x03;
    public static final int READ_6 = 0x08;
    public static final int WRITE_6 = 0x0A;
    public static final int INQUIRY = 0x12;
    public static final int MODE_SELECT_6 = 0x15;
    public static final int RESERVE_6 = 0x16;
    public static final int RELEASE_6 = 0x17;
    public static final int MODE_SENSE_6 = 0x1A;
    public static final int START_STOP_UNIT = 0x1B;
    public static final int READ_CAPACITY_10 = 0x25;
    public static final int READ_10 = 0x28;
    public static final int WRITE_10 = 0x2A;
    public static final int WRITE_AND_VERIFY_10 = 0x2E;
    public static final int VERIFY_10 = 0x2F;
    public static final int PRE_FETCH_10 = 0x34;
    public static final int SYNCHRONIZE_CACHE_10 = 0x35;
    public static final int WRITE_SAME_10 = 0x41;
    public static final int UNMAP = 0x42;
    public static final int MODE_SELECT_10 = 0x55;
    public static final int MODE_SENSE_10 = 0x5A;
    public static final int PERSISTENT_RESERVE_IN = 0x5E;
    public static final int PERSISTENT_RESERVE_OUT = 0x5F;
    public static final int READ_16 = 0x88;
    public static final int COMPARE_AND_WRITE = 0x89;
    public static final int WRITE_16 = 0x8A;
    public static final int ORWRITE_16 = 0x8B;
    public static final int WRITE_AND_VERIFY_16 = 0x8E;
    public static final int VERIFY_16 = 0x8F;
    public static final int PRE_FETCH_16 = 0x90;
    public static final int SYNCHRONIZE_CACHE_16 = 0x91;
    public static final int WRITE_SAME_16 = 0x93;
    public static final int SERVICE_ACTION_IN_16 = 0x9E;
    public static final int REPORT_LUNS = 0xA0;
    public static final int MAINTENANCE_IN = 0xA3;
    public static final int READ_12 = 0xA8;
    public static final int WRITE_12 = 0xAA;
    public static final int WRITE_AND_VERIFY_12 = 0xAE;
    public static final int VERIFY_12 = 0xAF;

    public static final int SAI_READ_CAPACITY_16 = 0x10;
    public static final int SAI_GET_LBA_STATUS = 0x12;
    public static final int MI_REPORT_TARGET_PORT_GROUPS = 0x0A;
    public static final int MI_REPORT_SUPPORTED_OPCODES = 0x0C;

    private Opcodes() {
    }

    /** Bytes the initiator sends for a command with this CDB on a device of this block size; 0 when none. */
    public static long dataOutLength(byte[] cdb, int blockSize) {
        byte[] c = cdb;
        return switch (Bytes.u8(c, 0)) {
            case WRITE_6 -> (Bytes.u8(c, 4) == 0 ? 256 : Bytes.u8(c, 4)) * (long) blockSize;
            case WRITE_10, WRITE_AND_VERIFY_10 -> Bytes.u16(c, 7) * (long) blockSize;
            case VERIFY_10 -> (c[1] & 0x06) == 0x02 ? Bytes.u16(c, 7) * (long) blockSize
                    : (c[1] & 0x06) == 0x06 ? blockSize : 0;
            case WRITE_12, WRITE_AND_VERIFY_12 -> Bytes.u32(c, 6) * blockSize;
            case VERIFY_12 -> (c[1] & 0x06) == 0x02 ? Bytes.u32(c, 6) * blockSize
                    : (c[1] & 0x06) == 0x06 ? blockSize : 0;
            case WRITE_16, WRITE_AND_VERIFY_16, ORWRITE_16 -> Bytes.u32(c, 10) * blockSize;
            case VERIFY_16 -> (c[1] & 0x06) == 0x02 ? Bytes.u32(c, 10) * blockSize
                    : (c[1] & 0x06) == 0x06 ? blockSize : 0;
            case COMPARE_AND_WRITE -> 2L * Bytes.u8(c, 13) * blockSize;
            case WRITE_SAME_10 -> (c[1] & 0x01) != 0 ? 0 : blockSize;
            case WRITE_SAME_16 -> (c[1] & 0x01) != 0 ? 0 : blockSize;
            case UNMAP -> Bytes.u16(c, 7);
            case MODE_SELECT_6 -> Bytes.u8(c, 4);
            case MODE_SELECT_10 -> Bytes.u16(c, 7);
            case PERSISTENT_RESERVE_OUT -> Bytes.u32(c, 5);
            default -> 0;
        };
    }

    /** CDB length from the group code of the operation code; -1 for vendor-specific/reserved groups. */
    public static int cdbLength(int opcode) {
        return switch (opcode >>> 5) {
            case 0 -> 6;
            case 1, 2 -> 10;
            case 4 -> 16;
            case 5 -> 12;
            default -> -1;
        };
    }
}
