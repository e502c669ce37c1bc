package io.karst.bdev.file.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file bdev: the device the file module registers for one configuration (SPDK's {@code bdev_aio} disk).
 *
 * <p>Reads and writes go through one io_uring ring per channel ({@link UringChannel}) or, as the fallback, a small
 * thread pool ({@link ThreadsEngine}). FLUSH, UNMAP and WRITE_ZEROES are rare and may block, so they run on the
 * device's control thread: FLUSH is a real fdatasync(2); UNMAP punches a hole (fallocate PUNCH_HOLE|KEEP_SIZE)
 * where the file system can; WRITE_ZEROES tries fallocate ZERO_RANGE, then PUNCH_HOLE, then writes zeroes.
 */
public final class FileBdev implements BlockDevice {
    private static final System.Logger LOG = System.getLogger(FileBdev.class.getName());
    /** Module name, as bdevs report it. */
    public static final String MODULE = "file";
    static final int DEFAULT_RING_ENTRIES = 128;
    private static final int CONTROL_QUEUE = 1024;
    private static final int ZERO_BUFFER = 1 << 20;

    private static final int ZERO_BY_ZERO_RANGE = 0;
    private static final int ZERO_BY_PUNCH_HOLE = 1;
    private static final int ZERO_BY_WRITING = 2;

    private final FileBdevConfig config;
    private final FileShim shim;
    private final BackingFile file;
    private final FileBdevConfig.Engine engine;
    private final int ringEntries;
    private final RingMode ringMode;
    private final boolean punchHole;
    private final AtomicInteger channelNumber = new AtomicInteger();
    private final Set<UringChannel> rings = ConcurrentHashMap.newKeySet();
    private final List<Object> leaked = new ArrayList<>();
    private final ArrayBlockingQueue<BdevIo> controlQueue = new ArrayBlockingQueue<>(CONTROL_QUEUE);
    private final BdevIo stopMarker = new StopMarker();
    private final Thread controlThread;
    private volatile boolean controlExited;
    private volatile int zeroWay;
    private ByteBuffer zeroes;
    private volatile BdevProperties properties;
    private volatile BdevHost host;
    private volatile boolean closed;
    private ThreadsEngine threads;
    private String fallbackReason;

    private FileBdev(FileBdevConfig config, FileShim shim, BackingFile file, FileBdevConfig.Engine engine,
                     int ringEntries, RingMode ringMode, long blockCount) {
        this.config = config;
        this.shim = shim;
        this.file = file;
        this.engine = engine;
        this.ringEntries = ringEntries;
        // completions can only arrive inline when buffered reads can be tried without blocking; otherwise (tmpfs,
        // O_DIRECT) every completion is asynchronous and the ring thread owning the ring batches them best
        this.ringMode = ringMode != null ? ringMode
                : file.nowaitReads ? RingMode.INLINE : RingMode.OWNED;
        this.punchHole = !config.readOnly() && probePunchHole(file);
        this.zeroWay = file.fd >= 0 ? ZERO_BY_ZERO_RANGE : ZERO_BY_WRITING;
        this.properties = buildProperties(blockCount);
        this.controlThread = new Thread(this::controlLoop, "karst-file-" + config.name() + "-control");
        this.controlThread.setDaemon(true);
    }

    /**
     * Opens the backing file of a configuration and creates the device.
     *
     * @param shim the native shim, or {@code null} (then only the threads engine and no fallocate)
     * @throws IOException with a message for the operator when the file cannot be used
     */
    public static FileBdev open(FileBdevConfig config, FileShim shim) throws IOException {
        return open(config, shim, DEFAULT_RING_ENTRIES, null);
    }

    /**
     * As {@link #open(FileBdevConfig, FileShim)}, with the ring size and the ring mode ({@code null}: chosen per
     * file), for tests and benchmarks.
     */
    public static FileBdev open(FileBdevConfig config, FileShim shim, int ringEntries, RingMode ringMode)
            throws IOException {
        FileBdevConfig.Engine engine = resolveEngine(config, shim);
        BackingFile file = BackingFile.open(config, shim, true);
        try {
            // a block device has its own size (a size stored by a resize only asked to read it again)
            long size = file.kind == BackingFile.Kind.REGULAR && config.size() != -1 ? config.size() : file.size();
            FileBdev bdev = new FileBdev(config, shim, file, engine, ringEntries, ringMode,
                    size / config.blockSize());
            if (engine == FileBdevConfig.Engine.THREADS) {
                bdev.threads = ThreadsEngine.open(bdev, file, config);
            }
            bdev.controlThread.start();
            return bdev;
        } catch (IOException | RuntimeException e) {
            try {
                file.close();
            } catch (IOException ignored) {
                // report the first failure
            }
            throw e;
        }
    }

    /** The engine a configuration gets on this machine (auto becomes uring or threads). */
    static FileBdevConfig.Engine resolveEngine(FileBdevConfig config, FileShim shim) throws IOException {
        switch (config.engine()) {
            case THREADS:
                return FileBdevConfig.Engine.THREADS;
            case URING:
                if (shim == null) {
                    throw new IOException("engine=uring needs the native shim, which is not loaded; use engine=auto"
                            + " or engine=threads");
                }
                if (!shim.uringAvailable()) {
                    throw new IOException("engine=uring, but " + shim.uringUnavailableReason()
                            + "; use engine=auto or engine=threads");
                }
                return FileBdevConfig.Engine.URING;
            default:
                return shim != null && shim.uringAvailable() ? FileBdevConfig.Engine.URING
                        : FileBdevConfig.Engine.THREADS;
        }
    }

    /**
     * Whether the file system punches holes: a punch beyond the end of a regular file changes nothing but still
     * goes through the file system's mode check. Block devices zero the range on PUNCH_HOLE (or we fall back to
     * ZERO_RANGE), so they count as able.
     */
    private static boolean probePunchHole(BackingFile file) {
        if (file.fd < 0) {
            return false;
        }
        if (file.kind == BackingFile.Kind.BLOCK) {
            return true;
        }
        try {
            long beyond = ((file.size() >> 20) + 2) << 20;
            return file.fallocate(0x01 | 0x02, beyond, 4096) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private BdevProperties buildProperties(long blockCount) {
        Set<IoType> types = config.readOnly() ? EnumSet.of(IoType.READ, IoType.FLUSH)
                : EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP, IoType.WRITE_ZEROES);
        return BdevProperties.builder(config.name(), MODULE)
                .uuid(config.uuid())
                .productName(file.kind == BackingFile.Kind.BLOCK ? "Block device disk" : "File disk")
                .blockSize(config.blockSize())
                .blockCount(blockCount)
                .requiredAlignment(config.direct() ? file.memoryAlignment : 1)
                .writeCache(true)
                // an UNMAP that cannot punch a hole is a no-op, which leaves the old data
                .unmapReadsZeroes(!config.readOnly() && punchHole)
                .readOnly(config.readOnly())
                .nativeFua(!config.readOnly())
                .ioTypes(types)
                .build();
    }

    public String name() {
        return config.name();
    }

    public FileBdevConfig config() {
        return config;
    }

    /** Whether the backing store is a block device (which has its own size). */
    public boolean blockDevice() {
        return file.kind == BackingFile.Kind.BLOCK;
    }

    /** The engine in use: uring or threads. */
    public FileBdevConfig.Engine engine() {
        return engine;
    }

    @Override
    public BdevProperties properties() {
        return properties;
    }

    @Override
    public DeviceChannel openChannel() {
        if (closed) {
            throw new IllegalStateException("file bdev " + name() + " is closed");
        }
        if (engine == FileBdevConfig.Engine.URING) {
            try {
                UringChannel ring = UringChannel.open(this, shim, file.fd, file.direct ? file.memoryAlignment : 8,
                        ringEntries, ringMode, "karst-file-" + name() + "-ring" + channelNumber.incrementAndGet());
                rings.add(ring);
                if (closed) {
                    ring.close();
                }
                return ring;
            } catch (IOException e) {
                if (config.engine() == FileBdevConfig.Engine.URING) {
                    throw new IllegalStateException(name() + ": " + e.getMessage(), e);
                }
                return threadsFallback(e.getMessage());
            }
        }
        return threads.channel();
    }

    private synchronized DeviceChannel threadsFallback(String reason) {
        try {
            if (threads == null) {
                threads = ThreadsEngine.open(this, file, config);
            }
        } catch (IOException e) {
            throw new IllegalStateException(name() + ": " + e.getMessage(), e);
        }
        if (fallbackReason == null) {
            fallbackReason = reason;
            LOG.log(System.Logger.Level.WARNING, name() + ": " + reason + "; using the threads engine");
        }
        return threads.channel();
    }

    @Override
    public void attach(BdevHost bdevHost) {
        this.host = bdevHost;
    }

    @Override
    public void detach() {
        this.host = null;
    }

    @Override
    public Map<String, String> driverInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("filename", file.path.toString());
        m.put("kind", file.kind.label);
        m.put("engine", engine.configName() + (config.engine() == FileBdevConfig.Engine.AUTO ? " (auto)" : ""));
        if (engine == FileBdevConfig.Engine.URING) {
            m.put("ring_mode", ringMode.name().toLowerCase(java.util.Locale.ROOT));
        }
        m.put("direct", Boolean.toString(config.direct()));
        m.put("readonly", Boolean.toString(config.readOnly()));
        if (!config.readOnly()) {
            m.put("unmap", punchHole ? "punch_hole" : "none");
            m.put("write_zeroes", switch (zeroWay) {
                case ZERO_BY_ZERO_RANGE -> "zero_range";
                case ZERO_BY_PUNCH_HOLE -> "punch_hole";
                default -> "write";
            });
        }
        if (file.kind == BackingFile.Kind.BLOCK) {
            m.put("logical_block_size", Integer.toString(file.logicalBlockSize));
        }
        if (fallbackReason != null) {
            m.put("fallback", fallbackReason);
        }
        return m;
    }

    /**
     * Changes the size: a regular file is truncated or extended (sparsely) to {@code newSizeBytes}; a block
     * device's size is read again ({@code newSizeBytes} is ignored). The host hears of a growth after the blocks
     * exist and of a shrink before they go.
     *
     * @return the new block count
     */
    public synchronized long resize(long newSizeBytes) throws IOException {
        if (closed) {
            throw new IOException("file bdev " + name() + " is closed");
        }
        long oldCount = properties.blockCount();
        long newCount;
        if (file.kind == BackingFile.Kind.BLOCK) {
            newCount = file.size() / config.blockSize();
            if (newCount != oldCount) {
                update(newCount);
            }
            return newCount;
        }
        if (config.readOnly()) {
            throw new IOException("file bdev " + name() + " is read-only and cannot be resized");
        }
        if (newSizeBytes <= 0 || newSizeBytes % config.blockSize() != 0) {
            throw new IOException("new size " + newSizeBytes + " is not a positive multiple of the block size "
                    + config.blockSize());
        }
        newCount = newSizeBytes / config.blockSize();
        if (newCount > oldCount) {
            file.setLength(newSizeBytes);
            update(newCount);
        } else if (newCount < oldCount) {
            update(newCount);
            file.setLength(newSizeBytes);
        }
        return newCount;
    }

    private void update(long newCount) {
        properties = properties.toBuilder().blockCount(newCount).build();
        BdevHost h = host;
        if (h != null) {
            h.resized(newCount);
        }
    }

    // ---- control path: FLUSH, UNMAP, WRITE_ZEROES on the control thread ----

    /** Queues a request for the control thread. */
    void control(BdevIo io) {
        if (closed) {
            complete(io, IoStatus.REMOVED);
            return;
        }
        if (!controlQueue.offer(io)) {
            complete(io, IoStatus.NO_MEMORY);
            return;
        }
        if (controlExited) {
            drainControl();
        }
    }

    private void controlLoop() {
        try {
            for (;;) {
                BdevIo io = controlQueue.take();
                if (io == stopMarker) {
                    break;
                }
                complete(io, runControl(io));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            controlExited = true;
            drainControl();
        }
    }

    private void drainControl() {
        BdevIo io;
        while ((io = controlQueue.poll()) != null) {
            if (io != stopMarker) {
                complete(io, IoStatus.REMOVED);
            }
        }
    }

    private IoStatus runControl(BdevIo io) {
        try {
            switch (io.type()) {
                case FLUSH:
                    file.flush();
                    return IoStatus.SUCCESS;
                case UNMAP:
                    return unmap(io.offsetBytes(), io.lengthBytes());
                case WRITE_ZEROES:
                    return writeZeroes(io.offsetBytes(), io.lengthBytes());
                case RESET:
                    return IoStatus.SUCCESS;
                default:
                    return IoStatus.UNSUPPORTED;
            }
        } catch (ClosedChannelException e) {
            return IoStatus.REMOVED;
        } catch (IOException e) {
            return ThreadsEngine.statusOf(e, file);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name() + ": " + io.type() + " failed", e);
            return IoStatus.FAILED;
        }
    }

    private IoStatus unmap(long offset, long length) throws IOException {
        if (!punchHole) {
            return IoStatus.SUCCESS; // advisory: nothing deallocated, and we do not claim zeroes
        }
        int rc = file.fallocate(0x01 | 0x02, offset, length);
        if (rc == 0) {
            return IoStatus.SUCCESS;
        }
        if (Errno.unsupported(-rc)) {
            // we promised zeroes: keep the promise the slow way
            return writeZeroes(offset, length);
        }
        return Errno.status(-rc);
    }

    private IoStatus writeZeroes(long offset, long length) throws IOException {
        int way = zeroWay;
        if (way == ZERO_BY_ZERO_RANGE) {
            int rc = file.fallocate(0x01 | 0x10, offset, length);
            if (rc == 0) {
                return IoStatus.SUCCESS;
            }
            if (!Errno.unsupported(-rc)) {
                return Errno.status(-rc);
            }
            way = zeroWay = punchHole ? ZERO_BY_PUNCH_HOLE : ZERO_BY_WRITING;
        }
        if (way == ZERO_BY_PUNCH_HOLE) {
            int rc = file.fallocate(0x01 | 0x02, offset, length);
            if (rc == 0) {
                return IoStatus.SUCCESS;
            }
            if (!Errno.unsupported(-rc)) {
                return Errno.status(-rc);
            }
            zeroWay = ZERO_BY_WRITING;
        }
        if (zeroes == null) {
            zeroes = ByteBuffer.allocateDirect(ZERO_BUFFER);
        }
        file.writeZeroes(zeroes, offset, length);
        return IoStatus.SUCCESS;
    }

    static void complete(BdevIo io, IoStatus status) {
        try {
            io.complete(status);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "an I/O completion callback threw", e);
        }
    }

    // ---- lifecycle ----

    void channelReleased(UringChannel ring) {
        rings.remove(ring);
    }

    synchronized void keepLeaked(Object o) {
        leaked.add(o);
    }

    /**
     * Closes the device: channels drain (requests the kernel has complete; queued ones are aborted), then the
     * control thread stops and the file is closed. Native memory is freed only after its I/O drained.
     */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (UringChannel ring : List.copyOf(rings)) {
            ring.close();
        }
        ThreadsEngine t;
        synchronized (this) {
            t = threads;
        }
        if (t != null) {
            t.close();
        }
        try {
            controlQueue.put(stopMarker);
            controlThread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean leakedRings;
        synchronized (this) {
            leakedRings = !leaked.isEmpty();
        }
        if (leakedRings) {
            LOG.log(System.Logger.Level.ERROR, name() + ": I/O still in flight after close; the file stays open");
            return;
        }
        try {
            file.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, name() + ": closing " + file.path + " failed: " + e.getMessage());
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** The shim's descriptor of the backing file (-1 without the shim), for tests. */
    int rawFd() {
        return file.fd;
    }
}
