package io.karst.bdev;

import java.nio.ByteBuffer;

/**
 * A SCSI command passed through to a bdev ({@link IoType#SCSI_PASSTHROUGH}), with the results the bdev sets.
 *
 * <p>The frontend that owns the SCSI emulation fills in the request ({@link #set}): the CDB, the data direction, the
 * data buffers (position to limit of each, exactly {@link #transferLength()} bytes in total) and a sense buffer of
 * at least {@value #MIN_SENSE_LENGTH} bytes. It submits it with {@link IoChannel#submitScsi}. The layer checks the
 * request's shape (not the CDB's meaning) and hands it to the module, which reports:
 * <ul>
 *   <li>{@link IoStatus#SUCCESS}: the device executed the command; {@link #status()}, the sense data
 *       ({@link #senseLength()} bytes at the sense buffer's position) and {@link #residual()} are the outcome,
 *       which may be a CHECK CONDITION;</li>
 *   <li>{@link IoStatus#NOT_HANDLED}: the device leaves the command to the frontend's own emulation;</li>
 *   <li>any other status: the command failed below SCSI (removed device, I/O error), as for any I/O.</li>
 * </ul>
 *
 * <p>An object is reusable (frontends pool them) and must stay untouched between submit and completion. The layer
 * resets the results at submission. It does not interpret CDBs: it refuses DATA-OUT commands on a read-only
 * descriptor, and a frontend holding a read-only descriptor sends no other command that modifies the medium.
 */
public final class ScsiCommand {
    /** The longest CDB (a variable-length CDB of SPC). */
    public static final int MAX_CDB_LENGTH = 260;
    /** The smallest sense buffer a request may carry (fixed-format sense with its additional bytes). */
    public static final int MIN_SENSE_LENGTH = 18;
    /** The most sense data a device may return (SPC's limit). */
    public static final int MAX_SENSE_LENGTH = 252;

    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;
    public static final int CONDITION_MET = 0x04;
    public static final int BUSY = 0x08;
    public static final int RESERVATION_CONFLICT = 0x18;
    public static final int TASK_SET_FULL = 0x28;

    /** Direction of the data phase, seen from the initiator. */
    public enum Direction {
        /** No data. */
        NONE,
        /** Data-out: the initiator sends data to the device (WRITE, UNMAP's parameter list, ...). */
        TO_DEVICE,
        /** Data-in: the device returns data (READ, INQUIRY, ...). */
        FROM_DEVICE
    }

    private static final ByteBuffer[] NO_DATA = new ByteBuffer[0];

    private ByteBuffer cdb;
    private Direction direction = Direction.NONE;
    private ByteBuffer[] data = NO_DATA;
    private int transferLength;
    private ByteBuffer sense;

    private int status;
    private int senseLength;
    private int residual;

    /**
     * Sets the request. {@code data} may be {@code null} (or empty) only when {@code transferLength} is 0; it is
     * referenced, not copied.
     */
    public ScsiCommand set(ByteBuffer cdb, Direction direction, ByteBuffer[] data, int transferLength,
                           ByteBuffer sense) {
        this.cdb = cdb;
        this.direction = direction;
        this.data = data == null ? NO_DATA : data;
        this.transferLength = transferLength;
        this.sense = sense;
        resetResults();
        return this;
    }

    /** Clears the results: GOOD, no sense data, no residual. */
    public void resetResults() {
        status = GOOD;
        senseLength = 0;
        residual = 0;
    }

    /**
     * Why the request is malformed, or {@code null} if its shape is valid: a CDB of 1 to {@value #MAX_CDB_LENGTH}
     * bytes, a sense buffer of {@value #MIN_SENSE_LENGTH} bytes or more, data buffers matching the transfer length
     * and direction, writable for data-in.
     */
    public String invalidReason() {
        if (cdb == null || !cdb.hasRemaining() || cdb.remaining() > MAX_CDB_LENGTH) {
            return "CDB must have 1 to " + MAX_CDB_LENGTH + " bytes";
        }
        if (direction == null) {
            return "no data direction";
        }
        if (sense == null || sense.remaining() < MIN_SENSE_LENGTH || sense.isReadOnly()) {
            return "sense buffer must be writable with at least " + MIN_SENSE_LENGTH + " bytes";
        }
        if (transferLength < 0) {
            return "negative transfer length";
        }
        if ((direction == Direction.NONE) != (transferLength == 0)) {
            return "transfer length " + transferLength + " does not match direction " + direction;
        }
        long total = 0;
        for (ByteBuffer b : data) {
            if (b == null) {
                return "null data buffer";
            }
            if (direction == Direction.FROM_DEVICE && b.isReadOnly()) {
                return "read-only buffer for data-in";
            }
            total += b.remaining();
        }
        return total == transferLength ? null
                : "data buffers hold " + total + " bytes, transfer length is " + transferLength;
    }

    /** The CDB: position to limit of this buffer. Read it with absolute gets. */
    public ByteBuffer cdb() {
        return cdb;
    }

    public int cdbLength() {
        return cdb.remaining();
    }

    /** Byte {@code i} of the CDB, unsigned. */
    public int cdbByte(int i) {
        return cdb.get(cdb.position() + i) & 0xff;
    }

    /** The operation code: the CDB's first byte. */
    public int opcode() {
        return cdbByte(0);
    }

    public Direction direction() {
        return direction;
    }

    /** The data buffers (position to limit of each); empty for commands without data. */
    public ByteBuffer[] data() {
        return data;
    }

    /** Bytes the initiator expects to transfer (the sum of the data buffers). */
    public int transferLength() {
        return transferLength;
    }

    /** The sense buffer: the device writes sense data at its position (absolute puts) and sets its length. */
    public ByteBuffer sense() {
        return sense;
    }

    /** The SCSI status byte the device returned ({@link #GOOD}, {@link #CHECK_CONDITION}, ...). */
    public int status() {
        return status;
    }

    public void status(int value) {
        if (value < 0 || value > 0xff) {
            throw new IllegalArgumentException("SCSI status is one byte: " + value);
        }
        status = value;
    }

    /** How many bytes of sense data the device wrote at the sense buffer's position. */
    public int senseLength() {
        return senseLength;
    }

    public void senseLength(int value) {
        if (value < 0 || value > Math.min(sense.remaining(), MAX_SENSE_LENGTH)) {
            throw new IllegalArgumentException("sense length " + value + " does not fit the sense buffer");
        }
        senseLength = value;
    }

    /** Bytes of the transfer length not transferred (underrun); 0 when all were. */
    public int residual() {
        return residual;
    }

    public void residual(int value) {
        if (value < 0 || value > transferLength) {
            throw new IllegalArgumentException("residual " + value + " outside 0.." + transferLength);
        }
        residual = value;
    }

    /**
     * Completes the results as CHECK CONDITION with fixed-format sense data (response code 0x70, current error)
     * carrying the sense key and additional sense code and qualifier.
     */
    public void checkCondition(int senseKey, int asc, int ascq) {
        int p = sense.position();
        for (int i = 0; i < MIN_SENSE_LENGTH; i++) {
            sense.put(p + i, (byte) 0);
        }
        sense.put(p, (byte) 0x70);
        sense.put(p + 2, (byte) (senseKey & 0x0f));
        sense.put(p + 7, (byte) (MIN_SENSE_LENGTH - 8));
        sense.put(p + 12, (byte) asc);
        sense.put(p + 13, (byte) ascq);
        senseLength = MIN_SENSE_LENGTH;
        status = CHECK_CONDITION;
    }

    @Override
    public String toString() {
        return String.format("SCSI command 0x%02x (%s, %d bytes): status 0x%02x, sense %d bytes, residual %d",
                cdb == null || !cdb.hasRemaining() ? 0 : opcode(), direction, transferLength, status, senseLength,
                residual);
    }
}
