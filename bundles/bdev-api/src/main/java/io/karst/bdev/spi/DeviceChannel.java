package io.karst.bdev.spi;

/**
 * A module's per-thread submission path. {@link #submit} is called by one thread at a time, only with requests
 * the core validated (in range, aligned, of a supported type, on a writable descriptor where needed).
 */
public interface DeviceChannel {
    /** Starts the request; completes it later (or at once) with {@link BdevIo#complete}. Must not block long. */
    void submit(BdevIo io);

    /** Called when the core's channel is closed; no request is outstanding on it then. */
    default void close() {
    }
}
