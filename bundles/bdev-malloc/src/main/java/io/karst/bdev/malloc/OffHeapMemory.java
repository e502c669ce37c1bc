package io.karst.bdev.malloc;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * RAM as a list of equally sized direct buffers ("chunks"), so devices may exceed 2 GiB and can grow without
 * copying. Chunks are zeroed by the JVM when allocated.
 */
final class OffHeapMemory {
    static final int CHUNK_SHIFT = 20;
    static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method m = null;
        Object u = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = f.get(null);
            m = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no prompt release: the garbage collector frees the memory later
        }
        INVOKE_CLEANER = m;
        UNSAFE = u;
    }

    private volatile ByteBuffer[] chunks;

    OffHeapMemory(long bytes) {
        chunks = allocate(new ByteBuffer[0], chunksFor(bytes));
    }

    static int chunksFor(long bytes) {
        long n = (bytes + CHUNK_SIZE - 1) >>> CHUNK_SHIFT;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size too large");
        }
        return (int) n;
    }

    private static ByteBuffer[] allocate(ByteBuffer[] existing, int count) {
        ByteBuffer[] out = java.util.Arrays.copyOf(existing, count);
        int i = existing.length;
        try {
            for (; i < count; i++) {
                out[i] = ByteBuffer.allocateDirect(CHUNK_SIZE);
            }
        } catch (OutOfMemoryError e) {
            for (int j = existing.length; j < i; j++) {
                free(out[j]);
            }
            throw new IllegalStateException("cannot allocate " + ((long) (count - existing.length) << CHUNK_SHIFT)
                    + " bytes of off-heap memory (" + e.getMessage() + "); raise -XX:MaxDirectMemorySize"
                    + " (KARST_DIRECT_MEM) or use a smaller size", e);
        }
        return out;
    }

    /** The current chunk array; an I/O reads it once and keeps using it even if a resize replaces it. */
    ByteBuffer[] chunks() {
        return chunks;
    }

    /** Grows or shrinks to cover {@code bytes}. Dropped chunks are left to the collector (I/O may still hold them). */
    void resize(long bytes) {
        int n = chunksFor(bytes);
        ByteBuffer[] cur = chunks;
        if (n > cur.length) {
            chunks = allocate(cur, n);
        } else if (n < cur.length) {
            chunks = java.util.Arrays.copyOf(cur, n);
        } else {
            return;
        }
    }

    /** Zeroes {@code length} bytes at {@code offset} (within the current size). */
    void zero(long offset, long length) {
        ByteBuffer[] c = chunks;
        ByteBuffer zeroes = Zeroes.BUFFER;
        while (length > 0) {
            int idx = (int) (offset >>> CHUNK_SHIFT);
            int off = (int) (offset & (CHUNK_SIZE - 1));
            int n = (int) Math.min(Math.min(length, CHUNK_SIZE - off), zeroes.capacity());
            c[idx].put(off, zeroes, 0, n);
            offset += n;
            length -= n;
        }
    }

    /** Releases the memory now. Only after no I/O can touch it any more. */
    void release() {
        ByteBuffer[] c = chunks;
        chunks = new ByteBuffer[0];
        for (ByteBuffer b : c) {
            free(b);
        }
    }

    private static void free(ByteBuffer b) {
        if (INVOKE_CLEANER != null && b != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, b);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // left to the garbage collector
            }
        }
    }

    private static final class Zeroes {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();
    }
}
