package io.karst.nbd.protocol;

import java.util.ArrayDeque;

/** Reusable {@link NbdRequest}s of one connection (used on its event loop only). */
public final class RequestPool {
    private final ArrayDeque<NbdRequest> free = new ArrayDeque<>();
    private final int keep;

    public RequestPool(int keep) {
        this.keep = keep;
    }

    public NbdRequest acquire() {
        NbdRequest r = free.pollFirst();
        return r != null ? r : new NbdRequest();
    }

    public void release(NbdRequest r) {
        r.releasePayload();
        if (free.size() < keep) {
            free.addFirst(r);
        }
    }
}
