package io.karst.fuse.internal;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** The C library through jnr-ffi, its errno, and addresses of direct buffers. */
final class Native {
    final LibC c;
    private final Runtime runtime;
    private final MemoryIO memory;

    private Native(LibC c) {
        this.c = c;
        this.runtime = Runtime.getRuntime(c);
        this.memory = MemoryIO.getInstance();
    }

    static Native load() {
        return new Native(LibraryLoader.create(LibC.class).failImmediately().load("c"));
    }

    /** errno of the last call with {@code @SaveError} on this thread. */
    int errno() {
        return runtime.getLastError();
    }

    String strerror(int errno) {
        String s = c.strerror(errno);
        return s == null ? "errno " + errno : s;
    }

    long address(ByteBuffer direct) {
        return memory.getDirectBufferAddress(direct);
    }

    /** A direct, little-endian (native) buffer of {@code size} bytes starting at a multiple of {@code alignment}. */
    static ByteBuffer aligned(int size, int alignment) {
        return ByteBuffer.allocateDirect(size + alignment).alignedSlice(alignment).limit(size).slice()
                .order(ByteOrder.nativeOrder());
    }
}
