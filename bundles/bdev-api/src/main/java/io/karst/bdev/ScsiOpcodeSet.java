package io.karst.bdev;

import java.util.Arrays;

/**
 * The SCSI operation codes a bdev wants passed through to it ({@link Bdev#scsiPassthrough()}); the frontend
 * emulates every other command over the bdev's ordinary I/O types. Immutable.
 */
public final class ScsiOpcodeSet {
    /** No command: the frontend emulates everything (every bdev that does not ask for pass-through). */
    public static final ScsiOpcodeSet NONE = new ScsiOpcodeSet(new long[4]);
    /**
     * Every command: the frontend passes each command through first and emulates those the bdev answers with
     * {@link IoStatus#NOT_HANDLED} (tcmu-runner's {@code handle_cmd} contract).
     */
    public static final ScsiOpcodeSet ALL = new ScsiOpcodeSet(new long[]{-1L, -1L, -1L, -1L});

    private final long[] bits;

    private ScsiOpcodeSet(long[] bits) {
        this.bits = bits;
    }

    /** A set of operation codes (0 to 255). */
    public static ScsiOpcodeSet of(int... opcodes) {
        long[] b = new long[4];
        for (int op : opcodes) {
            if (op < 0 || op > 0xff) {
                throw new IllegalArgumentException("a SCSI operation code is one byte: " + op);
            }
            b[op >>> 6] |= 1L << (op & 63);
        }
        return new ScsiOpcodeSet(b);
    }

    public boolean contains(int opcode) {
        return opcode >= 0 && opcode <= 0xff && (bits[opcode >>> 6] & (1L << (opcode & 63))) != 0;
    }

    public boolean isEmpty() {
        return (bits[0] | bits[1] | bits[2] | bits[3]) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScsiOpcodeSet s && Arrays.equals(bits, s.bits);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        if (equals(ALL)) {
            return "all";
        }
        StringBuilder sb = new StringBuilder();
        for (int op = 0; op < 256; op++) {
            if (contains(op)) {
                sb.append(sb.length() == 0 ? "" : ",").append(String.format("0x%02x", op));
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
