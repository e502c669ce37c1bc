package io.karst.bdev;

/** Events delivered to descriptor holders. */
public enum BdevEvent {
    /**
     * The bdev is going away. New I/O fails with {@link IoStatus#REMOVED}; outstanding I/O completes or fails.
     * The holder must close its descriptor; the removal finishes when every descriptor is closed.
     */
    REMOVE,
    /** The block count changed; {@link Bdev#blockCount()} has the new value. */
    RESIZE
}
