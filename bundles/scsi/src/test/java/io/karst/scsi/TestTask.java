package io.karst.scsi;

import io.karst.bdev.IoChannel;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A synchronous test transport: runs continuations inline, records the completion. */
class TestTask extends ScsiTask {
    final byte[] cdb = new byte[16];
    final ScsiNexus nexus;
    final IoChannel channel;
    ByteBuffer out;
    ByteBuffer in;
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    volatile Sense sense;
    volatile byte[] senseBytes;
    volatile int dataIn;
    int completions;

    TestTask(ScsiNexus nexus, IoChannel channel, int... cdbBytes) {
        this.nexus = nexus;
        this.channel = channel;
        for (int i = 0; i < cdbBytes.length; i++) {
            cdb[i] = (byte) cdbBytes[i];
        }
    }

    TestTask out(byte[] data) {
        out = ByteBuffer.allocateDirect(data.length).put(data).flip();
        return this;
    }

    @Override
    public byte[] cdb() {
        return cdb;
    }

    @Override
    public ScsiNexus nexus() {
        return nexus;
    }

    @Override
    public IoChannel channel() {
        return channel;
    }

    @Override
    public ByteBuffer dataOut() {
        return out;
    }

    @Override
    public ByteBuffer dataInBuffer(int length) {
        in = ByteBuffer.allocateDirect(length);
        return in;
    }

    @Override
    public void runOnSubmitter(Runnable r) {
        r.run();
    }

    @Override
    protected synchronized void done(int st, Sense s, byte[] sb, int dataInLength) {
        completions++;
        sense = s;
        senseBytes = sb;
        dataIn = dataInLength;
        if (!status.complete(st)) {
            throw new AssertionError("completed twice");
        }
    }

    int await() {
        try {
            return status.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("command did not complete", e);
        }
    }

    byte[] data() {
        byte[] b = new byte[dataIn];
        in.get(0, b);
        return b;
    }
}
