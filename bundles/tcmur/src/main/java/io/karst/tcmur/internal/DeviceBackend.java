package io.karst.tcmur.internal;

import io.karst.tcmur.TcmurReconfig;

/** An open device of a handler: its tunables after open, and the way to run one command. */
interface DeviceBackend {
    int blockSize();

    long numLbas();

    boolean writeCacheEnabled();

    int maxXferLength();

    boolean solidState();

    /**
     * Runs the request's command on the calling thread. Returns the final status, or
     * {@link io.karst.tcmur.TcmuStatus#ASYNC_HANDLED} when the completion arrives later through
     * {@link Request#handlerComplete}.
     */
    int exec(Request r);

    int reconfig(TcmurReconfig change);

    /** Gives a command slot its memory (CDB and sense buffers; a native command for native devices). */
    default void bind(Request r) {
        r.setMemory(java.nio.ByteBuffer.allocateDirect(Request.CDB_CAPACITY),
                java.nio.ByteBuffer.allocateDirect(Request.SENSE_SIZE));
    }

    /** Releases what {@link #bind} gave. */
    default void unbind(Request r) {
    }

    /** Closes the device; no command is outstanding. */
    void close();
}
