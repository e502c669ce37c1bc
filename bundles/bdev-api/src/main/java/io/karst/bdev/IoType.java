package io.karst.bdev;

/** The kinds of I/O a bdev may support. A bdev advertises the subset it implements. */
public enum IoType {
    /** Read blocks into the caller's buffers. */
    READ(true, false),
    /** Write blocks from the caller's buffers. */
    WRITE(true, true),
    /** Make every write completed before the flush was submitted durable. */
    FLUSH(false, true),
    /** Deallocate blocks; later reads return zeroes only if the bdev says so ({@link Bdev#unmapReadsZeroes()}). */
    UNMAP(false, true),
    /** Write zeroes to blocks without a data buffer. */
    WRITE_ZEROES(false, true),
    /** Abort or wait for outstanding I/O and return the device to a known state. */
    RESET(false, false),
    /** Compare the blocks with the first buffer set; on a match write the second, atomically. */
    COMPARE_AND_WRITE(true, true),
    /** Compare the blocks with the caller's buffers; {@link IoStatus#MISCOMPARE} on a difference. */
    COMPARE(true, false),
    /**
     * A SCSI command passed through to the device ({@link ScsiCommand}: CDB, data, sense). The layer does not
     * interpret the CDB; its data length is the command's transfer length, not a block range. Only devices that
     * list this type (and the opcodes in {@link Bdev#scsiPassthrough()}) receive it; others reject it with
     * {@link IoStatus#UNSUPPORTED}. Submitted with {@link IoChannel#submitScsi}.
     */
    SCSI_PASSTHROUGH(false, false);

    private final boolean carriesData;
    private final boolean modifies;

    IoType(boolean carriesData, boolean modifies) {
        this.carriesData = carriesData;
        this.modifies = modifies;
    }

    /** Whether a request of this type has data buffers whose size must match the block range. */
    public boolean carriesData() {
        return carriesData;
    }

    /** Whether this type needs a writable descriptor (it changes contents or durability). */
    public boolean needsWrite() {
        return modifies;
    }

    /** SPDK's lower-case name ({@code read}, {@code write_zeroes}, {@code compare_and_write}, ...). */
    public String spdkName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
