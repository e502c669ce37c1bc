package io.karst.scsi;

import java.util.Arrays;

/**
 * Sense data of a CHECK CONDITION: key, additional sense code and qualifier, and optionally the INFORMATION field
 * (e.g. the offset of the first miscompare). Encodes to fixed (0x70) or descriptor (0x72) format.
 */
public final class Sense {
    public static final int NO_SENSE = 0x0;
    public static final int RECOVERED_ERROR = 0x1;
    public static final int NOT_READY = 0x2;
    public static final int MEDIUM_ERROR = 0x3;
    public static final int HARDWARE_ERROR = 0x4;
    public static final int ILLEGAL_REQUEST = 0x5;
    public static final int UNIT_ATTENTION = 0x6;
    public static final int DATA_PROTECT = 0x7;
    public static final int ABORTED_COMMAND = 0xB;
    public static final int MISCOMPARE = 0xE;

    // common errors (key, ASC/ASCQ)
    public static final Sense INVALID_OPCODE = new Sense(ILLEGAL_REQUEST, 0x20, 0x00);
    public static final Sense LBA_OUT_OF_RANGE = new Sense(ILLEGAL_REQUEST, 0x21, 0x00);
    public static final Sense INVALID_FIELD_IN_CDB = new Sense(ILLEGAL_REQUEST, 0x24, 0x00);
    public static final Sense LUN_NOT_SUPPORTED = new Sense(ILLEGAL_REQUEST, 0x25, 0x00);
    public static final Sense INVALID_FIELD_IN_PARAMETER_LIST = new Sense(ILLEGAL_REQUEST, 0x26, 0x00);
    public static final Sense PARAMETER_LIST_LENGTH_ERROR = new Sense(ILLEGAL_REQUEST, 0x1A, 0x00);
    public static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = new Sense(ILLEGAL_REQUEST, 0x39, 0x00);
    public static final Sense WRITE_PROTECTED = new Sense(DATA_PROTECT, 0x27, 0x00);
    public static final Sense POWER_ON_RESET = new Sense(UNIT_ATTENTION, 0x29, 0x00);
    public static final Sense BUS_DEVICE_RESET = new Sense(UNIT_ATTENTION, 0x29, 0x03);
    public static final Sense CAPACITY_DATA_CHANGED = new Sense(UNIT_ATTENTION, 0x2A, 0x09);
    public static final Sense MODE_PARAMETERS_CHANGED = new Sense(UNIT_ATTENTION, 0x2A, 0x01);
    public static final Sense REPORTED_LUNS_DATA_CHANGED = new Sense(UNIT_ATTENTION, 0x3F, 0x0E);
    public static final Sense ASYMMETRIC_ACCESS_STATE_CHANGED = new Sense(UNIT_ATTENTION, 0x2A, 0x06);
    public static final Sense RESERVATIONS_PREEMPTED = new Sense(UNIT_ATTENTION, 0x2A, 0x03);
    public static final Sense RESERVATIONS_RELEASED = new Sense(UNIT_ATTENTION, 0x2A, 0x04);
    public static final Sense REGISTRATIONS_PREEMPTED = new Sense(UNIT_ATTENTION, 0x2A, 0x05);
    public static final Sense MISCOMPARE_DURING_VERIFY = new Sense(MISCOMPARE, 0x1D, 0x00);
    public static final Sense UNRECOVERED_READ_ERROR = new Sense(MEDIUM_ERROR, 0x11, 0x00);
    public static final Sense WRITE_ERROR = new Sense(MEDIUM_ERROR, 0x0C, 0x00);
    public static final Sense INTERNAL_TARGET_FAILURE = new Sense(HARDWARE_ERROR, 0x44, 0x00);
    public static final Sense SPACE_ALLOCATION_FAILED = new Sense(DATA_PROTECT, 0x27, 0x07);
    public static final Sense LUN_NOT_READY_MANUAL = new Sense(NOT_READY, 0x04, 0x03);
    public static final Sense LUN_NOT_READY_UNAVAILABLE = new Sense(NOT_READY, 0x04, 0x0C);
    public static final Sense LUN_NOT_ACCESSIBLE_STANDBY = new Sense(NOT_READY, 0x04, 0x0B);
    public static final Sense LUN_NOT_ACCESSIBLE_TRANSITION = new Sense(NOT_READY, 0x04, 0x0A);
    public static final Sense LUN_REMOVED = new Sense(ILLEGAL_REQUEST, 0x25, 0x00);
    public static final Sense INSUFFICIENT_RESOURCES = new Sense(ABORTED_COMMAND, 0x55, 0x03);
    public static final Sense COMMANDS_CLEARED_BY_ANOTHER_INITIATOR = new Sense(UNIT_ATTENTION, 0x2F, 0x00);
    public static final Sense NO_ADDITIONAL = new Sense(NO_SENSE, 0x00, 0x00);
    public static final Sense INITIATOR_DETECTED_ERROR = new Sense(ABORTED_COMMAND, 0x48, 0x00);
    public static final Sense DATA_PHASE_ERROR = new Sense(ABORTED_COMMAND, 0x4B, 0x00);

    /** Length of the fixed format this class encodes. */
    public static final int FIXED_LENGTH = 18;

    private final int key;
    private final int asc;
    private final int ascq;
    private final boolean infoValid;
    private final long information;
    private final int senseKeySpecific; // SKSV and 3 bytes, or 0
    private final byte[] fixed;

    public Sense(int key, int asc, int ascq) {
        this(key, asc, ascq, false, 0, 0);
    }

    private Sense(int key, int asc, int ascq, boolean infoValid, long information) {
        this(key, asc, ascq, infoValid, information, 0);
    }

    private Sense(int key, int asc, int ascq, boolean infoValid, long information, int senseKeySpecific) {
        if (key < 0 || key > 0xF || asc < 0 || asc > 0xFF || ascq < 0 || ascq > 0xFF) {
            throw new IllegalArgumentException("sense out of range");
        }
        this.key = key;
        this.asc = asc;
        this.ascq = ascq;
        this.infoValid = infoValid;
        this.information = information;
        this.senseKeySpecific = senseKeySpecific;
        this.fixed = encodeFixed();
    }

    /** The same sense with the INFORMATION field set (VALID bit). */
    public Sense withInformation(long info) {
        return new Sense(key, asc, ascq, true, info, senseKeySpecific);
    }

    /**
     * The same sense with a field pointer (sense-key specific, SKSV): which byte (and bit, or -1 for the whole byte)
     * of the CDB ({@code inCdb}) or of the parameter list is wrong.
     */
    public Sense withFieldPointer(boolean inCdb, int byteIndex, int bit) {
        int v = 0x800000 | (inCdb ? 0x400000 : 0) | (bit >= 0 ? 0x080000 | (bit & 7) << 16 : 0) | (byteIndex & 0xFFFF);
        return new Sense(key, asc, ascq, infoValid, information, v);
    }

    public int key() {
        return key;
    }

    public int asc() {
        return asc;
    }

    public int ascq() {
        return ascq;
    }

    public boolean informationValid() {
        return infoValid;
    }

    public long information() {
        return information;
    }

    /** Fixed format (response code 0x70, current error), 18 bytes. Returns a shared array: do not modify. */
    public byte[] fixedFormat() {
        return fixed;
    }

    private byte[] encodeFixed() {
        byte[] b = new byte[FIXED_LENGTH];
        b[0] = (byte) ((infoValid && information <= 0xFFFFFFFFL ? 0x80 : 0) | 0x70);
        b[2] = (byte) key;
        if (infoValid) {
            b[3] = (byte) (information >>> 24);
            b[4] = (byte) (information >>> 16);
            b[5] = (byte) (information >>> 8);
            b[6] = (byte) information;
        }
        b[7] = (byte) (FIXED_LENGTH - 8);
        b[12] = (byte) asc;
        b[13] = (byte) ascq;
        if (senseKeySpecific != 0) {
            b[15] = (byte) (senseKeySpecific >>> 16);
            b[16] = (byte) (senseKeySpecific >>> 8);
            b[17] = (byte) senseKeySpecific;
        }
        return b;
    }

    /** Descriptor format (response code 0x72), with an information descriptor when the field is set. */
    public byte[] descriptorFormat() {
        int len = 8 + (infoValid ? 12 : 0) + (senseKeySpecific != 0 ? 8 : 0);
        byte[] b = new byte[len];
        b[0] = 0x72;
        b[1] = (byte) key;
        b[2] = (byte) asc;
        b[3] = (byte) ascq;
        b[7] = (byte) (len - 8);
        int at = 8;
        if (infoValid) {
            b[at] = 0x00; // information descriptor
            b[at + 1] = 0x0A;
            b[at + 2] = (byte) 0x80; // VALID
            for (int i = 0; i < 8; i++) {
                b[at + 4 + i] = (byte) (information >>> (56 - 8 * i));
            }
            at += 12;
        }
        if (senseKeySpecific != 0) {
            b[at] = 0x02; // sense key specific descriptor
            b[at + 1] = 0x06;
            b[at + 4] = (byte) (senseKeySpecific >>> 16);
            b[at + 5] = (byte) (senseKeySpecific >>> 8);
            b[at + 6] = (byte) senseKeySpecific;
        }
        return b;
    }

    public byte[] encode(boolean descriptor) {
        return descriptor ? descriptorFormat() : fixed;
    }

    /** Parses fixed or descriptor format sense data (e.g. from a pass-through handler). */
    public static Sense parse(byte[] data, int offset, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("empty sense data");
        }
        int code = data[offset] & 0x7F;
        if ((code == 0x70 || code == 0x71) && length >= 14) {
            Sense s = new Sense(data[offset + 2] & 0x0F, data[offset + 12] & 0xFF, data[offset + 13] & 0xFF);
            if ((data[offset] & 0x80) != 0) {
                long info = ((data[offset + 3] & 0xFFL) << 24) | ((data[offset + 4] & 0xFFL) << 16)
                        | ((data[offset + 5] & 0xFFL) << 8) | (data[offset + 6] & 0xFFL);
                s = s.withInformation(info);
            }
            return s;
        }
        if ((code == 0x72 || code == 0x73) && length >= 4) {
            return new Sense(data[offset + 1] & 0x0F, data[offset + 2] & 0xFF, data[offset + 3] & 0xFF);
        }
        throw new IllegalArgumentException("unknown sense response code 0x" + Integer.toHexString(code));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sense s && s.key == key && s.asc == asc && s.ascq == ascq && s.infoValid == infoValid
                && s.information == information;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(fixed);
    }

    @Override
    public String toString() {
        return String.format("sense key 0x%x ASC/ASCQ 0x%02x/0x%02x%s", key, asc, ascq,
                infoValid ? " info " + information : "");
    }
}
