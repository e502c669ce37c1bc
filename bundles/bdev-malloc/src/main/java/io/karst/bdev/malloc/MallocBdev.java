package io.karst.bdev.malloc;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.spi.Iov;
import io.karst.bdev.spi.Sizes;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;

/**
 * A RAM bdev: the I/O path. Requests complete on the submitting thread with one memory copy each way; the device
 * has no per-thread state, so every channel is the device itself.
 */
public final class MallocBdev implements BlockDevice, DeviceChannel {
    static final String MODULE = "malloc";

    private final BdevProperties properties;
    private final OffHeapMemory memory;
    private volatile BdevHost host;
    private volatile long blockCount;

    public MallocBdev(String name, UUID uuid, int blockSize, long blockCount) {
        this.properties = BdevProperties.builder(name, MODULE).uuid(uuid).productName("Malloc disk")
                .blockSize(blockSize).blockCount(blockCount).unmapReadsZeroes(true)
                .ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP, IoType.WRITE_ZEROES, IoType.RESET,
                        IoType.COMPARE)
                .build();
        this.blockCount = blockCount;
        this.memory = new OffHeapMemory(blockCount * blockSize);
    }

    @Override
    public BdevProperties properties() {
        return properties;
    }

    @Override
    public DeviceChannel openChannel() {
        return this;
    }

    @Override
    public void attach(BdevHost h) {
        host = h;
    }

    @Override
    public Map<String, String> driverInfo() {
        return Map.of("memory", Sizes.format(blockCount * properties.blockSize()) + " off-heap in "
                + OffHeapMemory.chunksFor(blockCount * properties.blockSize()) + " chunks");
    }

    @Override
    public void submit(BdevIo io) {
        ByteBuffer[] chunks = memory.chunks();
        long offset = io.offsetBytes();
        long length = io.lengthBytes();
        switch (io.type()) {
            case READ -> {
                copy(chunks, offset, length, io.iov(), true);
                io.complete(IoStatus.SUCCESS);
            }
            case WRITE -> {
                copy(chunks, offset, length, io.iov(), false);
                io.complete(IoStatus.SUCCESS);
            }
            case COMPARE -> io.complete(equal(chunks, offset, length, io.iov()) ? IoStatus.SUCCESS
                    : IoStatus.MISCOMPARE);
            case UNMAP, WRITE_ZEROES -> {
                memory.zero(offset, length);
                io.complete(IoStatus.SUCCESS);
            }
            case FLUSH, RESET -> io.complete(IoStatus.SUCCESS);
            default -> io.complete(IoStatus.UNSUPPORTED);
        }
    }

    private static void copy(ByteBuffer[] chunks, long offset, long length, ByteBuffer[] iov, boolean toIov) {
        long done = 0;
        while (done < length) {
            long at = offset + done;
            int idx = (int) (at >>> OffHeapMemory.CHUNK_SHIFT);
            int off = (int) (at & (OffHeapMemory.CHUNK_SIZE - 1));
            int n = (int) Math.min(length - done, OffHeapMemory.CHUNK_SIZE - off);
            if (toIov) {
                if (iov.length == 1) {
                    ByteBuffer d = iov[0];
                    d.put(d.position() + (int) done, chunks[idx], off, n);
                } else {
                    Iov.copyIn(chunks[idx], off, iov, done, n);
                }
            } else if (iov.length == 1) {
                ByteBuffer s = iov[0];
                chunks[idx].put(off, s, s.position() + (int) done, n);
            } else {
                Iov.copyOut(iov, done, chunks[idx], off, n);
            }
            done += n;
        }
    }

    private static boolean equal(ByteBuffer[] chunks, long offset, long length, ByteBuffer[] iov) {
        long done = 0;
        while (done < length) {
            long at = offset + done;
            int idx = (int) (at >>> OffHeapMemory.CHUNK_SHIFT);
            int off = (int) (at & (OffHeapMemory.CHUNK_SIZE - 1));
            int n = (int) Math.min(length - done, OffHeapMemory.CHUNK_SIZE - off);
            if (!Iov.contentEquals(iov, done, chunks[idx], off, n)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    /** Changes the size; the bdev layer stops admitting I/O beyond a new, smaller end first. */
    public void resize(long newBlockCount) {
        long old = blockCount;
        if (newBlockCount == old) {
            return;
        }
        BdevHost h = host;
        int bs = properties.blockSize();
        if (newBlockCount > old) {
            memory.resize(newBlockCount * bs);
            // blocks between the old end and the end of its last chunk may hold data from before a shrink
            memory.zero(old * bs, Math.min((long) OffHeapMemory.chunksFor(old * bs) << OffHeapMemory.CHUNK_SHIFT,
                    newBlockCount * bs) - old * bs);
            blockCount = newBlockCount;
            if (h != null) {
                h.resized(newBlockCount);
            }
        } else {
            if (h != null) {
                h.resized(newBlockCount);
            }
            blockCount = newBlockCount;
            memory.resize(newBlockCount * bs);
        }
    }

    public long blockCount() {
        return blockCount;
    }

    /** Frees the memory; called after the device was unregistered and its I/O drained. */
    public void destroy() {
        memory.release();
    }
}
