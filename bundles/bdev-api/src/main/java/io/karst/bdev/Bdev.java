package io.karst.bdev;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A registered block device, as users of the bdev layer see it. Obtained from the {@link BdevRegistry}; I/O goes
 * through a {@link BdevDescriptor}.
 */
public interface Bdev {
    /** Unique name (SPDK style, e.g. {@code Malloc0}). */
    String name();

    /** Other unique names the bdev can be found and opened by. */
    Set<String> aliases();

    /** Stable identity: kept in the bdev's configuration, so it survives restarts. */
    UUID uuid();

    /** The module that provides it ({@code malloc}, {@code file}, {@code passthru}, ...). */
    String module();

    /** Human-readable product name (SPDK's {@code product_name}, e.g. "Malloc disk"). */
    String productName();

    /** Logical block size in bytes (512, 4096, ...). */
    int blockSize();

    /** Current number of blocks; changes on resize. */
    long blockCount();

    default long sizeBytes() {
        return blockCount() * blockSize();
    }

    /** Required alignment of buffer memory in bytes (a power of two; 1 means any). */
    int requiredAlignment();

    /** Optimal I/O boundary in blocks (requests should not cross a multiple of it); 0 when there is none. */
    int optimalIoBoundary();

    /** Whether the device has a volatile write cache, so that writes need a FLUSH to become durable. */
    boolean writeCache();

    /** Whether blocks read back as zeroes after an UNMAP (SCSI's LBPRZ). */
    boolean unmapReadsZeroes();

    /** Whether the device itself refuses writes (e.g. a file opened read-only). */
    boolean readOnly();

    /** The I/O types the device implements. */
    Set<IoType> ioTypes();

    default boolean supports(IoType type) {
        return ioTypes().contains(type);
    }

    /**
     * The SCSI commands the device wants passed through ({@link IoType#SCSI_PASSTHROUGH}) instead of being emulated
     * by a SCSI frontend; {@link ScsiOpcodeSet#NONE} for ordinary block devices.
     */
    default ScsiOpcodeSet scsiPassthrough() {
        return ScsiOpcodeSet.NONE;
    }

    /** Module-specific facts (file path, base bdev, engine, ...), for {@code bdev:info} and management views. */
    Map<String, String> driverInfo();

    /** The open descriptors: who holds the bdev, with which access and claim. */
    List<Holder> holders();

    /** Current I/O statistics. */
    IoStatistics statistics();

    /** Whether the bdev is being (or has been) removed. */
    boolean removed();

    /** One open descriptor. */
    record Holder(String holder, boolean writable, ClaimType claim) {
    }
}
