package io.karst.fuse.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Request buffers, made on demand up to a limit. A worker holds one to read into; a READ or WRITE keeps its buffer
 * until the bdev completes it. At the limit workers wait for a completion: back-pressure instead of unbounded
 * memory.
 */
final class RequestPool {
    private final ConcurrentLinkedQueue<Request> free = new ConcurrentLinkedQueue<>();
    private final Semaphore permits;
    private final Supplier<Request> factory;
    private final int limit;

    RequestPool(int limit, Supplier<Request> factory) {
        this.limit = limit;
        this.permits = new Semaphore(limit);
        this.factory = factory;
    }

    /** A buffer, or null when {@code stopping} became true while waiting. */
    Request take(BooleanSupplier stopping) {
        try {
            while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (stopping.getAsBoolean()) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        Request r = free.poll();
        return r != null ? r : factory.get();
    }

    void give(Request r) {
        r.export = null;
        free.offer(r);
        permits.release();
    }

    int inUse() {
        return limit - permits.availablePermits();
    }

    int limit() {
        return limit;
    }
}
