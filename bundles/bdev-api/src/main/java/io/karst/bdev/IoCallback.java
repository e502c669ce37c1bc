package io.karst.bdev;

/**
 * Receives the completion of one I/O. It is called exactly once per submitted request, on the thread that
 * finished the work, which may be the submitting thread before the submit call returns. It must not block.
 * Callers on a hot path implement this interface on their (pooled) request objects so that no object is
 * allocated per I/O.
 */
@FunctionalInterface
public interface IoCallback {
    void ioComplete(IoStatus status);
}
