package io.karst.bdev;

/**
 * The outcome of one I/O. Statuses other than {@link #SUCCESS} are errors; each maps to a distinct protocol
 * error in the frontends (SCSI sense, NBD error number).
 */
public enum IoStatus {
    SUCCESS("success", 0),
    /** The device failed the I/O (an EIO). */
    FAILED("I/O error", 5),
    /** A COMPARE or COMPARE_AND_WRITE found different data; nothing was written. */
    MISCOMPARE("miscompare", 84),
    /** The backing store is out of space (e.g. ENOSPC of a sparse file). */
    NO_SPACE("no space left on backing store", 28),
    /** A medium error was reported for the range (unrecovered read error). */
    MEDIUM_ERROR("medium error", 61),
    /** Temporarily out of resources; the caller may retry. */
    NO_MEMORY("out of resources", 12),
    /** The I/O was aborted (reset, abort, shutdown). */
    ABORTED("aborted", 125),
    /** Rejected by the layer: the block range lies (partly) beyond the end of the device. */
    OUT_OF_RANGE("block range beyond end of device", 22),
    /** Rejected by the layer: offset, length or buffer memory not aligned as the device requires. */
    MISALIGNED("misaligned request", 22),
    /** Rejected by the layer: buffers do not match the block range, or other malformed parameters. */
    INVALID("invalid request", 22),
    /** Rejected: the device does not support this I/O type. */
    UNSUPPORTED("I/O type not supported", 95),
    /** Rejected: the descriptor or the device is read-only. */
    READ_ONLY("read-only descriptor or device", 30),
    /** Rejected: the device is being (or has been) removed, or the descriptor/channel is closed. */
    REMOVED("device removed", 19),
    /**
     * A {@link IoType#SCSI_PASSTHROUGH} command the device does not handle itself: the frontend executes it with its
     * own SCSI emulation over the bdev's ordinary I/O types. Nothing was transferred and the command's results are
     * unset. Never the outcome of other I/O types.
     */
    NOT_HANDLED("not handled by the device", 95);

    private final String description;
    private final int errno;

    IoStatus(String description, int errno) {
        this.description = description;
        this.errno = errno;
    }

    public boolean isSuccess() {
        return this == SUCCESS;
    }

    public String description() {
        return description;
    }

    /** The Linux errno a POSIX-facing frontend would return for this status (0 for success). */
    public int errno() {
        return errno;
    }
}
