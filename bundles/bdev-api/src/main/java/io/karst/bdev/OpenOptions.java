package io.karst.bdev;

import java.util.Objects;

/**
 * How to open a bdev: access, claim and who is asking.
 *
 * @param holder     who holds the descriptor, shown in {@code bdev:info} (e.g. "nbd export Malloc0")
 * @param writable   whether the descriptor may submit modifying I/O
 * @param claim      the claim taken atomically with the open
 * @param sharedKey  for {@link ClaimType#READ_MANY_WRITE_SHARED}: claimants must present the same key
 * @param listener   receives hot-remove and resize events
 */
public record OpenOptions(String holder, boolean writable, ClaimType claim, String sharedKey,
                          BdevEventListener listener) {

    /** The shared-claim key frontends use, so one bdev can be exported by several frontends at once. */
    public static final String FRONTEND_SHARED_KEY = "karst.frontend";

    public OpenOptions {
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(claim, "claim");
        listener = listener == null ? BdevEventListener.IGNORE : listener;
        if (claim == ClaimType.READ_MANY_WRITE_SHARED && (sharedKey == null || sharedKey.isEmpty())) {
            throw new IllegalArgumentException("a read_many_write_shared claim needs a shared key");
        }
    }

    public static OpenOptions readOnly(String holder) {
        return new OpenOptions(holder, false, ClaimType.NONE, null, null);
    }

    public static OpenOptions readWrite(String holder) {
        return new OpenOptions(holder, true, ClaimType.NONE, null, null);
    }

    /** Writable, with the shared claim all frontends use. */
    public static OpenOptions frontend(String holder) {
        return new OpenOptions(holder, true, ClaimType.READ_MANY_WRITE_SHARED, FRONTEND_SHARED_KEY, null);
    }

    /** Writable with an exclusive-write claim: what a virtual bdev takes on its base. */
    public static OpenOptions exclusive(String holder) {
        return new OpenOptions(holder, true, ClaimType.EXCLUSIVE_WRITE, null, null);
    }

    public OpenOptions withClaim(ClaimType newClaim, String key) {
        return new OpenOptions(holder, writable, newClaim, key, listener);
    }

    public OpenOptions withListener(BdevEventListener newListener) {
        return new OpenOptions(holder, writable, claim, sharedKey, newListener);
    }

    public OpenOptions withWritable(boolean newWritable) {
        return new OpenOptions(holder, newWritable, claim, sharedKey, listener);
    }
}
