package io.karst.bdev.core.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.ScsiOpcodeSet;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** The core's record of one registered device: the {@link Bdev} users see. */
final class RegisteredBdev implements Bdev, BdevHost {
    private static final System.Logger LOG = System.getLogger(RegisteredBdev.class.getName());

    final BlockDevice device;
    final IoStatsRecorder stats = new IoStatsRecorder();
    private final BdevProperties props;
    private final boolean[] supported = new boolean[IoType.values().length];
    private final boolean fuaEmulation;
    private final Object lock = new Object();
    /** Open descriptors; guarded by {@link #lock}. */
    private final List<Descriptor> descriptors = new ArrayList<>();
    /** Channels whose module channel is still open (closed ones leave once their I/O drained). */
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final Object fuaLock = new Object();
    private DeviceChannel fuaChannel;
    private volatile long blockCount;
    volatile boolean removing;

    RegisteredBdev(BlockDevice device) {
        this.device = device;
        this.props = device.properties();
        this.blockCount = props.blockCount();
        for (IoType t : props.ioTypes()) {
            supported[t.ordinal()] = true;
        }
        this.fuaEmulation = props.writeCache() && !props.nativeFua() && props.ioTypes().contains(IoType.FLUSH);
    }

    // ---- Bdev

    @Override
    public String name() {
        return props.name();
    }

    @Override
    public Set<String> aliases() {
        return props.aliases();
    }

    @Override
    public UUID uuid() {
        return props.uuid();
    }

    @Override
    public String module() {
        return props.module();
    }

    @Override
    public String productName() {
        return props.productName();
    }

    @Override
    public int blockSize() {
        return props.blockSize();
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    @Override
    public int requiredAlignment() {
        return props.requiredAlignment();
    }

    @Override
    public int optimalIoBoundary() {
        return props.optimalIoBoundary();
    }

    @Override
    public boolean writeCache() {
        return props.writeCache();
    }

    @Override
    public boolean unmapReadsZeroes() {
        return props.unmapReadsZeroes();
    }

    @Override
    public boolean readOnly() {
        return props.readOnly();
    }

    @Override
    public Set<IoType> ioTypes() {
        return props.ioTypes();
    }

    @Override
    public ScsiOpcodeSet scsiPassthrough() {
        return props.scsiPassthrough();
    }

    boolean supportsFast(IoType t) {
        return supported[t.ordinal()];
    }

    boolean needsFuaEmulation() {
        return fuaEmulation;
    }

    @Override
    public Map<String, String> driverInfo() {
        try {
            return device.driverInfo();
        } catch (RuntimeException e) {
            return Map.of("error", String.valueOf(e.getMessage()));
        }
    }

    @Override
    public List<Holder> holders() {
        synchronized (lock) {
            List<Holder> out = new ArrayList<>(descriptors.size());
            for (Descriptor d : descriptors) {
                out.add(new Holder(d.holder(), d.writable(), d.claim()));
            }
            return out;
        }
    }

    @Override
    public IoStatistics statistics() {
        return stats.snapshot(inFlight());
    }

    @Override
    public boolean removed() {
        return removing;
    }

    long inFlight() {
        long n = 0;
        for (Channel c : channels) {
            n += c.inFlight();
        }
        return n;
    }

    // ---- BdevHost

    @Override
    public void resized(long newBlockCount) {
        if (newBlockCount < 0) {
            throw new IllegalArgumentException("negative block count");
        }
        long old = blockCount;
        blockCount = newBlockCount;
        if (old != newBlockCount) {
            LOG.log(System.Logger.Level.INFO, "bdev {0} resized from {1} to {2} blocks", name(), old, newBlockCount);
            for (Descriptor d : descriptorsSnapshot()) {
                d.deliver(BdevEvent.RESIZE);
            }
        }
    }

    // ---- descriptors and channels

    Descriptor open(OpenOptions options) {
        synchronized (lock) {
            if (removing) {
                throw new BdevException(BdevException.Reason.REMOVED, "bdev " + name() + " is being removed");
            }
            if (options.writable() && props.readOnly()) {
                throw new BdevException(BdevException.Reason.READ_ONLY, "bdev " + name() + " is read-only");
            }
            ClaimRules.check(name(), descriptors, options.writable(), options.claim(), options.sharedKey());
            Descriptor d = new Descriptor(this, options);
            descriptors.add(d);
            return d;
        }
    }

    void descriptorClosed(Descriptor d) {
        synchronized (lock) {
            descriptors.remove(d);
            lock.notifyAll();
        }
    }

    List<Descriptor> descriptorsSnapshot() {
        synchronized (lock) {
            return List.copyOf(descriptors);
        }
    }

    Channel newChannel(Descriptor d) {
        Channel ch = new Channel(this, d);
        channels.add(ch);
        return ch;
    }

    void channelRetired(Channel ch) {
        channels.remove(ch);
    }

    /** Runs the flush that emulates FUA for a module without native FUA; rare, so a lock is fine here. */
    void submitEmulatedFlush(PooledIo io) {
        io.enterModule();
        synchronized (fuaLock) {
            if (fuaChannel == null) {
                fuaChannel = device.openChannel();
            }
            fuaChannel.submit(io);
        }
    }

    /**
     * Hot-removes the bdev: refuses new opens and I/O, tells every holder, waits for outstanding I/O and for the
     * holders to close (force-closing stragglers after the timeout), then detaches the device.
     */
    void remove(long timeoutMillis) {
        synchronized (lock) {
            removing = true;
        }
        for (Descriptor d : descriptorsSnapshot()) {
            d.deliver(BdevEvent.REMOVE);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (lock) {
            while (!descriptors.isEmpty()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    break;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Descriptor d : descriptorsSnapshot()) {
            LOG.log(System.Logger.Level.WARNING, "bdev {0}: {1} did not close its descriptor after the remove event;"
                    + " closing it", name(), d.holder());
            d.close();
        }
        waitForDrain(deadline);
        synchronized (fuaLock) {
            if (fuaChannel != null) {
                fuaChannel.close();
                fuaChannel = null;
            }
        }
        try {
            device.detach();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "bdev " + name() + ": detach failed", e);
        }
    }

    private void waitForDrain(long deadline) {
        long sleep = 50_000L;
        while (inFlight() > 0) {
            if (System.nanoTime() > deadline) {
                LOG.log(System.Logger.Level.ERROR, "bdev {0}: {1} I/Os still outstanding after the removal timeout",
                        name(), inFlight());
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(sleep);
            sleep = Math.min(sleep * 2, 10_000_000L);
        }
    }

    @Override
    public String toString() {
        return "bdev " + name();
    }
}
