package io.karst.handler.ram;

import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurCommand;
import io.karst.tcmur.TcmurDevice;
import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurHandler;
import io.karst.tcmur.TcmurOperation;
import io.karst.tcmur.TcmurReconfig;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code ram} handler: a device in off-heap memory (contents are lost when it closes). Config string
 * {@code ram/} (nothing after the subtype); the size comes from the device. Asynchronous ({@code nr_threads 0}):
 * memory copies never block, so every entry point completes on the caller's thread.
 */
@Component(service = TcmurHandler.class)
public final class RamHandler implements TcmurHandler {
    /** Memory is allocated in chunks of this size (a direct buffer holds at most 2 GiB). */
    static final int CHUNK = 64 << 20;

    @Override
    public String name() {
        return "RAM disk (Java)";
    }

    @Override
    public String subtype() {
        return "ram";
    }

    @Override
    public String cfgDesc() {
        return "ram/ : off-heap memory of the device's size";
    }

    @Override
    public int nrThreads() {
        return 0;
    }

    @Override
    public Set<TcmurOperation> operations() {
        return EnumSet.of(TcmurOperation.READ, TcmurOperation.WRITE, TcmurOperation.FLUSH, TcmurOperation.UNMAP,
                TcmurOperation.WRITESAME);
    }

    @Override
    public String checkConfig(String cfgString) {
        return cfgString.equals("ram/") || cfgString.equals("ram") ? null
                : "the ram handler takes no configuration after 'ram/'";
    }

    @Override
    public void open(TcmurDevice device, boolean reopen) throws TcmurException {
        long size = device.configuredSize();
        if (size <= 0) {
            throw new TcmurException("a ram device needs a size");
        }
        try {
            device.handlerPrivate(new Memory(size));
        } catch (OutOfMemoryError e) {
            throw new TcmurException("not enough direct memory for " + size + " bytes", 12);
        }
        device.numLbas(size / device.blockSize());
        device.solidStateMedia(true);
        device.writeCacheEnabled(false);
    }

    @Override
    public void close(TcmurDevice device) {
        device.handlerPrivate(null);
    }

    @Override
    public int reconfig(TcmurDevice device, TcmurReconfig change) {
        return -95;
    }

    private static Memory memory(TcmurDevice device) {
        return (Memory) device.handlerPrivate();
    }

    @Override
    public int read(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        Memory m = memory(device);
        long at = offset;
        for (ByteBuffer b : iov) {
            m.copy(at, b, b.position(), b.remaining(), false);
            at += b.remaining();
        }
        return TcmuStatus.OK;
    }

    @Override
    public int write(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        Memory m = memory(device);
        long at = offset;
        for (ByteBuffer b : iov) {
            m.copy(at, b, b.position(), b.remaining(), true);
            at += b.remaining();
        }
        return TcmuStatus.OK;
    }

    @Override
    public int flush(TcmurDevice device, TcmurCommand cmd) {
        return TcmuStatus.OK;
    }

    @Override
    public int unmap(TcmurDevice device, TcmurCommand cmd, long offset, long length) {
        memory(device).zero(offset, length);
        return TcmuStatus.OK;
    }

    @Override
    public int writesame(TcmurDevice device, TcmurCommand cmd, long offset, long length, ByteBuffer[] iov) {
        Memory m = memory(device);
        ByteBuffer block = iov[0];
        int bs = block.remaining();
        for (long at = offset; at < offset + length; at += bs) {
            m.copy(at, block, block.position(), bs, true);
        }
        return TcmuStatus.OK;
    }

    /** Off-heap memory in chunks. */
    static final class Memory {
        private final ByteBuffer[] chunks;

        Memory(long size) {
            int n = (int) ((size + CHUNK - 1) / CHUNK);
            chunks = new ByteBuffer[n];
            for (int i = 0; i < n; i++) {
                chunks[i] = ByteBuffer.allocateDirect((int) Math.min(CHUNK, size - (long) i * CHUNK));
            }
        }

        /** Copies between the memory at {@code at} and {@code len} bytes of {@code buf} from {@code pos}. */
        void copy(long at, ByteBuffer buf, int pos, int len, boolean toMemory) {
            while (len > 0) {
                ByteBuffer c = chunks[(int) (at / CHUNK)];
                int off = (int) (at % CHUNK);
                int n = Math.min(len, c.capacity() - off);
                if (toMemory) {
                    c.put(off, buf, pos, n);
                } else {
                    buf.put(pos, c, off, n);
                }
                at += n;
                pos += n;
                len -= n;
            }
        }

        void zero(long at, long len) {
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
            while (len > 0) {
                int n = (int) Math.min(len, zeros.capacity());
                copy(at, zeros, 0, n, true);
                at += n;
                len -= n;
            }
        }
    }
}
