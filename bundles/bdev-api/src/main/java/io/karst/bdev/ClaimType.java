package io.karst.bdev;

/**
 * Claims a descriptor holds on its bdev (after SPDK's claim types). While any claim is held, opening the bdev
 * for writing without a compatible claim is refused.
 */
public enum ClaimType {
    /** No claim: readers always; writers only while nobody holds a claim. */
    NONE,
    /** One writer, no other claims and no other writable descriptors; others may read. */
    EXCLUSIVE_WRITE,
    /** Many claimants may read; at most one of them writes; no unclaimed writers. */
    READ_MANY_WRITE_ONE,
    /** Many claimants may read; nobody writes. Claimants must open read-only. */
    READ_MANY_WRITE_NONE,
    /** Many claimants presenting the same shared key may read and write; no other writers. */
    READ_MANY_WRITE_SHARED;

    public String spdkName() {
        return switch (this) {
            case NONE -> "none";
            case EXCLUSIVE_WRITE -> "exclusive_write";
            case READ_MANY_WRITE_ONE -> "read_many_write_one";
            case READ_MANY_WRITE_NONE -> "read_many_write_none";
            case READ_MANY_WRITE_SHARED -> "read_many_write_shared";
        };
    }
}
