package io.karst.bdev.testkit;

import java.nio.ByteBuffer;

/**
 * Deterministic block contents: every 8 bytes of a block carry (seed, block number, position), so a misplaced,
 * stale or torn block is told apart from the right one.
 */
public final class Patterns {
    private Patterns() {
    }

    public static long word(long seed, long lba, int index) {
        long x = seed * 0x9E3779B97F4A7C15L + lba * 0xC2B2AE3D27D4EB4FL + index;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        return x ^ (x >>> 29);
    }

    /** Fills {@code numBlocks} blocks at the buffer's position (absolute writes). */
    public static void fill(ByteBuffer buf, int blockSize, long firstLba, long numBlocks, long seed) {
        int pos = buf.position();
        for (long b = 0; b < numBlocks; b++) {
            for (int i = 0; i < blockSize / 8; i++) {
                buf.putLong(pos + (int) (b * blockSize) + i * 8, word(seed, firstLba + b, i));
            }
        }
    }

    /** Returns the first block that does not match, or -1. */
    public static long firstMismatch(ByteBuffer buf, int blockSize, long firstLba, long numBlocks, long seed) {
        int pos = buf.position();
        for (long b = 0; b < numBlocks; b++) {
            for (int i = 0; i < blockSize / 8; i++) {
                if (buf.getLong(pos + (int) (b * blockSize) + i * 8) != word(seed, firstLba + b, i)) {
                    return firstLba + b;
                }
            }
        }
        return -1;
    }

    public static boolean allZero(ByteBuffer buf) {
        for (int i = buf.position(); i < buf.limit(); i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A direct buffer whose memory starts on {@code alignment}. */
    public static ByteBuffer aligned(int size, int alignment) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
        int off = raw.alignmentOffset(0, alignment);
        int start = off == 0 ? 0 : alignment - off;
        return raw.slice(start, size);
    }
}
