package io.karst.bdev;

/**
 * An open bdev: the handle through which I/O is submitted. Obtained from {@link BdevRegistry#open}; closing it
 * releases its claim and closes its channels. Closing is idempotent and safe from any thread.
 */
public interface BdevDescriptor extends AutoCloseable {
    Bdev bdev();

    boolean writable();

    ClaimType claim();

    String holder();

    /**
     * Opens an I/O channel. A channel is used by one thread at a time (typically one per event-loop thread);
     * it holds that thread's per-channel state, so the I/O path takes no shared lock.
     */
    IoChannel openChannel();

    boolean isClosed();

    @Override
    void close();
}
