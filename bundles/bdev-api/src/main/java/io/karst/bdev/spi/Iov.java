package io.karst.bdev.spi;

import java.nio.ByteBuffer;

/**
 * Helpers for scatter-gather lists: each buffer contributes position..limit, and no helper changes a caller's
 * position or limit (they use absolute access or duplicates only where unavoidable).
 */
public final class Iov {
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private Iov() {
    }

    /** Total bytes of a scatter-gather list. */
    public static long length(ByteBuffer[] iov) {
        long n = 0;
        for (ByteBuffer b : iov) {
            n += b.remaining();
        }
        return n;
    }

    /** Writes zeroes into every segment. */
    public static void zero(ByteBuffer[] iov) {
        for (ByteBuffer b : iov) {
            int pos = b.position();
            int left = b.remaining();
            while (left > 0) {
                int n = Math.min(left, ZEROES.capacity());
                b.put(pos, ZEROES, 0, n);
                pos += n;
                left -= n;
            }
        }
    }

    /**
     * Where byte {@code from} of the list lies: segment index in the high 32 bits, offset within the segment in the
     * low 32 bits.
     */
    private static long locate(ByteBuffer[] iov, long from) {
        int i = 0;
        long skip = from;
        while (skip >= iov[i].remaining()) {
            skip -= iov[i].remaining();
            i++;
        }
        return ((long) i << 32) | skip;
    }

    /**
     * Copies {@code length} bytes starting at byte {@code from} of the list into {@code dst} at its position
     * {@code dstOffset} (absolute).
     */
    public static void copyOut(ByteBuffer[] iov, long from, ByteBuffer dst, int dstOffset, int length) {
        long at = locate(iov, from);
        int i = (int) (at >>> 32);
        int segOff = (int) at;
        for (int done = 0; done < length; i++, segOff = 0) {
            ByteBuffer seg = iov[i];
            int n = Math.min(seg.remaining() - segOff, length - done);
            dst.put(dstOffset + done, seg, seg.position() + segOff, n);
            done += n;
        }
    }

    /** Copies {@code length} bytes of {@code src} (absolute, from {@code srcOffset}) into the list at byte {@code to}. */
    public static void copyIn(ByteBuffer src, int srcOffset, ByteBuffer[] iov, long to, int length) {
        long at = locate(iov, to);
        int i = (int) (at >>> 32);
        int segOff = (int) at;
        for (int done = 0; done < length; i++, segOff = 0) {
            ByteBuffer seg = iov[i];
            int n = Math.min(seg.remaining() - segOff, length - done);
            seg.put(seg.position() + segOff, src, srcOffset + done, n);
            done += n;
        }
    }

    /** Whether {@code length} bytes of the list at byte {@code from} equal those of {@code other} at {@code offset}. */
    public static boolean contentEquals(ByteBuffer[] iov, long from, ByteBuffer other, int offset, int length) {
        long at = locate(iov, from);
        int i = (int) (at >>> 32);
        int segOff = (int) at;
        for (int done = 0; done < length; i++, segOff = 0) {
            ByteBuffer seg = iov[i];
            int n = Math.min(seg.remaining() - segOff, length - done);
            if (seg.slice(seg.position() + segOff, n).mismatch(other.slice(offset + done, n)) >= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }
}
