package io.karst.bdev.core.internal;

import io.karst.bdev.BdevException;
import io.karst.bdev.ClaimType;
import java.util.Collection;
import java.util.Objects;

/**
 * Decides whether a new descriptor (access plus claim) may join the descriptors already open on a bdev.
 * Pure: the caller holds the bdev's lock and passes the current descriptors.
 */
final class ClaimRules {
    private ClaimRules() {
    }

    /** What the rules need to know about an open descriptor. */
    interface Open {
        String holder();

        boolean writable();

        ClaimType claim();

        String sharedKey();
    }

    /**
     * Checks a request against the open descriptors.
     *
     * @throws BdevException CLAIMED when an existing claim or writer forbids it, INVALID for an impossible request
     */
    static void check(String bdevName, Collection<? extends Open> existing, boolean writable, ClaimType claim,
                      String sharedKey) {
        switch (claim) {
            case NONE -> {
                if (writable) {
                    for (Open o : existing) {
                        if (o.claim() != ClaimType.NONE) {
                            throw claimed(bdevName, o, "cannot be opened for writing");
                        }
                    }
                }
            }
            case EXCLUSIVE_WRITE -> {
                if (!writable) {
                    throw new BdevException(BdevException.Reason.INVALID,
                            "an exclusive_write claim needs a writable open");
                }
                for (Open o : existing) {
                    if (o.claim() != ClaimType.NONE) {
                        throw claimed(bdevName, o, "cannot be claimed exclusively");
                    }
                    if (o.writable()) {
                        throw new BdevException(BdevException.Reason.CLAIMED, "bdev " + bdevName
                                + " cannot be claimed exclusively: it is open for writing by " + o.holder());
                    }
                }
            }
            case READ_MANY_WRITE_ONE -> {
                for (Open o : existing) {
                    if (o.claim() != ClaimType.NONE && o.claim() != ClaimType.READ_MANY_WRITE_ONE) {
                        throw claimed(bdevName, o, "cannot be claimed read_many_write_one");
                    }
                    if (o.writable()) {
                        if (o.claim() == ClaimType.NONE) {
                            throw new BdevException(BdevException.Reason.CLAIMED, "bdev " + bdevName
                                    + " cannot be claimed read_many_write_one: it is open for writing by "
                                    + o.holder());
                        }
                        if (writable) {
                            throw claimed(bdevName, o, "already has its one writer");
                        }
                    }
                }
            }
            case READ_MANY_WRITE_NONE -> {
                if (writable) {
                    throw new BdevException(BdevException.Reason.INVALID,
                            "a read_many_write_none claim needs a read-only open");
                }
                for (Open o : existing) {
                    if (o.claim() != ClaimType.NONE && o.claim() != ClaimType.READ_MANY_WRITE_NONE) {
                        throw claimed(bdevName, o, "cannot be claimed read_many_write_none");
                    }
                    if (o.writable()) {
                        throw new BdevException(BdevException.Reason.CLAIMED, "bdev " + bdevName
                                + " cannot be claimed read_many_write_none: it is open for writing by "
                                + o.holder());
                    }
                }
            }
            case READ_MANY_WRITE_SHARED -> {
                for (Open o : existing) {
                    if (o.claim() == ClaimType.READ_MANY_WRITE_SHARED) {
                        if (!Objects.equals(o.sharedKey(), sharedKey)) {
                            throw claimed(bdevName, o, "is shared under another key");
                        }
                    } else if (o.claim() != ClaimType.NONE) {
                        throw claimed(bdevName, o, "cannot be claimed read_many_write_shared");
                    } else if (o.writable()) {
                        throw new BdevException(BdevException.Reason.CLAIMED, "bdev " + bdevName
                                + " cannot be claimed read_many_write_shared: it is open for writing by "
                                + o.holder());
                    }
                }
            }
            default -> throw new IllegalStateException(claim.toString());
        }
    }

    private static BdevException claimed(String bdevName, Open o, String what) {
        return new BdevException(BdevException.Reason.CLAIMED, "bdev " + bdevName + " " + what + ": "
                + o.holder() + " holds a " + o.claim().spdkName() + " claim");
    }
}
