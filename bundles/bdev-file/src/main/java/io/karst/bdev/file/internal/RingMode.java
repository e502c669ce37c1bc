package io.karst.bdev.file.internal;

/** Who drives an io_uring ring of the file bdev (see {@link UringChannel}). */
public enum RingMode {
    /**
     * The submitting thread submits and reaps what completes during its io_uring_enter; a completion thread
     * handles the rest. Chosen for files whose buffered reads can complete without blocking.
     */
    INLINE,
    /**
     * The ring thread is the ring's only issuer (IORING_SETUP_SINGLE_ISSUER, DEFER_TASKRUN) and batches
     * completions with submissions. Chosen when no completion can be inline (tmpfs, O_DIRECT).
     */
    OWNED
}
