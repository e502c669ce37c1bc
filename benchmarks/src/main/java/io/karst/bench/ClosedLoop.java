package io.karst.bench;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.SimpleBdevIo;
import io.karst.bdev.spi.DeviceChannel;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A queue-depth loop driven by completions: {@code queueDepth} requests in flight, and each completion submits
 * the next request from the completing thread (no hand-off to the benchmark thread). Random 4 KiB-style
 * requests over the whole device.
 *
 * <p>A channel accepts submissions from one thread at a time, while completions may arrive on the module's
 * completion thread and on the submitting thread at once. A small combining gate keeps the single-submitter
 * rule: whoever holds the gate submits; a completion that finds it taken leaves its slot on a stack that the
 * holder drains before letting go. In steady state the completing thread takes the free gate with one CAS.
 */
public final class ClosedLoop {
    /** Where requests go: the core's channel (validation, statistics, pooling) or the module's channel. */
    public enum Via { CORE, DEVICE }

    private final Via via;
    private final IoChannel channel;
    private final DeviceChannel device;
    private final int blockSize;
    private final long blocksPerIo;
    private final long ios;
    private final Slot[] slots;
    private final AtomicInteger gate = new AtomicInteger();
    private final AtomicReference<Slot> parked = new AtomicReference<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile IoStatus firstError;
    // guarded by the gate
    private long issued;
    private long target;
    private boolean write;
    private volatile Thread waiter;
    private volatile long goal;

    /** A loop over the core's channel. */
    public ClosedLoop(IoChannel channel, int queueDepth, int ioSize, int blockSize, long blockCount, long seed) {
        this(Via.CORE, channel, null, queueDepth, ioSize, blockSize, blockCount, seed);
    }

    /** A loop over a module's channel directly (no core). */
    public ClosedLoop(DeviceChannel device, int queueDepth, int ioSize, int blockSize, long blockCount, long seed) {
        this(Via.DEVICE, null, device, queueDepth, ioSize, blockSize, blockCount, seed);
    }

    private ClosedLoop(Via via, IoChannel channel, DeviceChannel device, int queueDepth, int ioSize, int blockSize,
                       long blockCount, long seed) {
        this.via = via;
        this.channel = channel;
        this.device = device;
        this.blockSize = blockSize;
        this.blocksPerIo = ioSize / blockSize;
        this.ios = blockCount / blocksPerIo;
        this.slots = new Slot[queueDepth];
        for (int i = 0; i < queueDepth; i++) {
            slots[i] = new Slot(aligned(ioSize, 4096), seed * 31 + i + 1);
        }
    }

    /**
     * Runs {@code ops} requests (reads or writes) and returns when all completed.
     *
     * @return the number of failed requests
     */
    public long run(boolean writes, long ops) {
        completed.set(0);
        errors.set(0);
        waiter = Thread.currentThread();
        goal = ops;
        while (!gate.compareAndSet(0, 1)) {
            Thread.onSpinWait();
        }
        write = writes;
        issued = 0;
        target = ops;
        gate.set(0);
        for (Slot s : slots) {
            offer(s);
        }
        while (completed.get() < ops) {
            LockSupport.parkNanos(this, 1_000_000L);
        }
        waiter = null;
        return errors.get();
    }

    public IoStatus firstError() {
        return firstError;
    }

    private void offer(Slot s) {
        if (gate.compareAndSet(0, 1)) {
            try {
                issue(s);
                drainParked();
            } finally {
                gate.set(0);
            }
        } else {
            Slot head;
            do {
                head = parked.get();
                s.next = head;
            } while (!parked.compareAndSet(head, s));
        }
        // a slot parked while we (or someone) held the gate: take the gate again and submit it
        while (parked.get() != null && gate.compareAndSet(0, 1)) {
            try {
                drainParked();
            } finally {
                gate.set(0);
            }
        }
    }

    private void drainParked() {
        Slot s = parked.getAndSet(null);
        while (s != null) {
            Slot next = s.next;
            s.next = null;
            issue(s);
            s = next;
        }
    }

    /** Submits the slot's next request, unless the run has issued all of its requests (gate held). */
    private void issue(Slot s) {
        if (issued >= target) {
            return;
        }
        issued++;
        long lba = s.nextLba();
        if (via == Via.CORE) {
            if (write) {
                channel.write(s.buf, lba, blocksPerIo, s);
            } else {
                channel.read(s.buf, lba, blocksPerIo, s);
            }
        } else {
            s.start(write ? IoType.WRITE : IoType.READ, lba);
            device.submit(s);
        }
    }

    private static ByteBuffer aligned(int size, int alignment) {
        ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
        int off = raw.alignmentOffset(0, alignment);
        return raw.slice(off == 0 ? 0 : alignment - off, size);
    }

    /** One request slot: its buffer, its random sequence, and (for the module's channel) the request itself. */
    private final class Slot extends SimpleBdevIo implements IoCallback {
        final ByteBuffer buf;
        long state;
        Slot next;

        Slot(ByteBuffer buf, long seed) {
            super(IoType.READ, 0, blocksPerIo, ClosedLoop.this.blockSize, new ByteBuffer[]{buf}, 0);
            this.buf = buf;
            this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        }

        long nextLba() {
            long x = state;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            state = x;
            return Long.remainderUnsigned(x, ios) * blocksPerIo;
        }

        void start(IoType t, long at) {
            type = t;
            offsetBlocks = at;
        }

        @Override
        public void ioComplete(IoStatus status) {
            if (status != IoStatus.SUCCESS) {
                if (errors.getAndIncrement() == 0) {
                    firstError = status;
                }
            }
            long done = completed.incrementAndGet();
            if (done >= goal) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
                return;
            }
            offer(this);
        }

        // ---- BdevIo, for the module's channel

        @Override
        public void complete(IoStatus status) {
            ioComplete(status);
        }
    }
}
