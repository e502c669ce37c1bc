package io.karst.nbd.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One transmission request as decoded. Instances are reused through a {@link RequestPool}: the receiver returns
 * them when done. {@code payload} (WRITE only) is a retained slice of the received bytes, owned by the receiver.
 */
public final class NbdRequest {
    public int flags;
    public int type;
    public long cookie;
    public long offset;
    public long length;
    public ByteBuf payload;
    /** A WRITE longer than the server accepts: its payload was skipped, the request must fail. */
    public boolean payloadDiscarded;

    public void releasePayload() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }

    @Override
    public String toString() {
        return Nbd.commandName(type) + " flags=" + flags + " cookie=" + cookie + " offset=" + offset + " length="
                + length;
    }
}
