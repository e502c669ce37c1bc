package io.karst.nbd.protocol;

import io.netty.buffer.ByteBuf;

/**
 * One option of the negotiation phase. {@code data} is a retained slice the receiver releases; it is {@code null}
 * when the option was longer than the decoder accepts ({@link #tooBig()}), in which case its bytes were skipped.
 */
public record OptionRequest(int option, ByteBuf data, long length) {
    public static OptionRequest tooBig(int option, long length) {
        return new OptionRequest(option, null, length);
    }

    public boolean tooBig() {
        return data == null;
    }

    public void release() {
        if (data != null && data.refCnt() > 0) {
            data.release();
        }
    }
}
