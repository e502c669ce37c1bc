package io.karst.tcmur.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.ScsiOpcodeSet;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.spi.Iov;
import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurOperation;
import io.karst.tcmur.TcmurReconfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bdev served by a tcmu-runner style handler: turns validated bdev requests into handler commands and runs
 * them with tcmu-runner's execution semantics.
 *
 * <ul>
 *   <li>Synchronous handlers ({@code nr_threads >= 1}): the device's own worker threads (as many as nr_threads)
 *       take commands from its queue; with one thread the device's commands are serialised, as in tcmu-runner.
 *       Other devices have their own threads and are never blocked.</li>
 *   <li>Asynchronous Java handlers ({@code nr_threads == 0}) are called on the submitting thread; asynchronous
 *       native handlers on the device's command thread (tcmu-runner's cmdproc thread), which does not wait for
 *       completions. Completions come back from any thread.</li>
 * </ul>
 * A fixed pool of command slots bounds the outstanding commands: a request beyond it completes with
 * {@link IoStatus#NO_MEMORY} (the caller retries) before reaching the handler.
 */
final class TcmurBdev implements BlockDevice, DeviceChannel {
    static final String MODULE = "tcmur";
    private static final System.Logger LOG = System.getLogger(TcmurBdev.class.getName());
    private static final Request STOP = new Request(null, -1);

    private static final int READ_10 = 0x28;
    private static final int WRITE_10 = 0x2a;
    private static final int SYNCHRONIZE_CACHE_10 = 0x35;
    private static final int READ_16 = 0x88;
    private static final int WRITE_16 = 0x8a;
    private static final int SYNCHRONIZE_CACHE_16 = 0x91;
    private static final int WRITE_SAME_16 = 0x93;
    private static final int COMPARE_AND_WRITE = 0x89;
    private static final int UNMAP = 0x42;

    final HandlerBackend handler;
    final DeviceBackend device;
    private final String name;
    private final BdevProperties props;
    private final Request[] requests;
    private final ArrayBlockingQueue<Request> free;
    private final ArrayBlockingQueue<Request> work;
    private final List<Thread> workers = new ArrayList<>();
    private final ReentrantLock cawLock = new ReentrantLock();
    private final Set<TcmurOperation> ops;
    private final boolean inline;
    private volatile ByteBuffer zeroBlock;
    private volatile io.karst.bdev.spi.BdevHost host;

    TcmurBdev(String name, UUID uuid, HandlerBackend handler, DeviceBackend device, int maxOutstanding) {
        this.name = name;
        this.handler = handler;
        this.device = device;
        this.ops = handler.operations().isEmpty() ? EnumSet.noneOf(TcmurOperation.class)
                : EnumSet.copyOf(handler.operations());
        this.props = BdevProperties.builder(name, MODULE).uuid(uuid)
                .productName("tcmur " + handler.subtype() + " disk")
                .blockSize(device.blockSize()).blockCount(device.numLbas())
                .writeCache(device.writeCacheEnabled() && supportsFlush())
                .ioTypes(ioTypes(ops, handler.nrThreads() > 0))
                .scsiPassthrough(ops.contains(TcmurOperation.HANDLE_CMD) ? ScsiOpcodeSet.ALL : ScsiOpcodeSet.NONE)
                .build();
        this.requests = new Request[maxOutstanding];
        this.free = new ArrayBlockingQueue<>(maxOutstanding);
        this.work = new ArrayBlockingQueue<>(maxOutstanding + 256); // room for the stop markers
        for (int i = 0; i < maxOutstanding; i++) {
            requests[i] = new Request(this, i);
        }
        int threads = handler.nrThreads() > 0 ? handler.nrThreads() : handler.isNative() ? 1 : 0;
        this.inline = threads == 0;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::workLoop, "karst-tcmur-" + name + (threads > 1 ? "-" + i : ""));
            t.setDaemon(true);
            workers.add(t);
        }
    }

    /** Binds each request to its memory (native command or Java buffers); then starts the worker threads. */
    void start(java.util.function.Consumer<Request> binder) {
        for (Request r : requests) {
            binder.accept(r);
            free.add(r);
        }
        workers.forEach(Thread::start);
    }

    private boolean supportsFlush() {
        return ops.contains(TcmurOperation.FLUSH) || ops.contains(TcmurOperation.HANDLE_CMD);
    }

    /** The bdev I/O types a handler's operations give; emulated COMPARE AND WRITE needs a synchronous handler. */
    static Set<IoType> ioTypes(Set<TcmurOperation> ops, boolean synchronous) {
        Set<IoType> t = EnumSet.noneOf(IoType.class);
        boolean raw = ops.contains(TcmurOperation.HANDLE_CMD);
        if (ops.contains(TcmurOperation.READ) || raw) {
            t.add(IoType.READ);
        }
        if (ops.contains(TcmurOperation.WRITE) || raw) {
            t.add(IoType.WRITE);
        }
        if (ops.contains(TcmurOperation.FLUSH) || raw) {
            t.add(IoType.FLUSH);
        }
        if (ops.contains(TcmurOperation.UNMAP)) {
            t.add(IoType.UNMAP);
        }
        if (ops.contains(TcmurOperation.WRITESAME)) {
            t.add(IoType.WRITE_ZEROES);
        }
        if (ops.contains(TcmurOperation.CAW)
                || (synchronous && ops.contains(TcmurOperation.READ) && ops.contains(TcmurOperation.WRITE))) {
            t.add(IoType.COMPARE_AND_WRITE);
        }
        if (raw) {
            t.add(IoType.SCSI_PASSTHROUGH);
        }
        return t;
    }

    String name() {
        return name;
    }

    int outstandingLimit() {
        return requests.length;
    }

    int outstanding() {
        return requests.length - free.size();
    }

    Request request(int index) {
        return index >= 0 && index < requests.length ? requests[index] : null;
    }

    @Override
    public BdevProperties properties() {
        return props;
    }

    @Override
    public DeviceChannel openChannel() {
        return this; // thread-safe: the slot pool and work queue are concurrent
    }

    @Override
    public Map<String, String> driverInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("handler", handler.subtype());
        m.put("origin", handler.origin());
        m.put("nr_threads", Integer.toString(handler.nrThreads()));
        m.put("outstanding_limit", Integer.toString(requests.length));
        m.put("max_xfer_len", Integer.toString(device.maxXferLength()));
        return m;
    }

    void log(System.Logger.Level level, String message) {
        LOG.log(level, "tcmur bdev " + name + ": " + message);
    }

    // ---- submission

    @Override
    public void submit(BdevIo io) {
        Request r = free.poll();
        if (r == null) {
            io.complete(IoStatus.NO_MEMORY);
            return;
        }
        r.io = io;
        IoStatus refused = prepare(r, io);
        if (refused != null) {
            release(r);
            io.complete(refused);
            return;
        }
        dispatch(r);
    }

    private void dispatch(Request r) {
        r.state.set(Request.RUNNING);
        if (inline) {
            run(r);
        } else {
            work.add(r); // capacity exceeds the number of requests: never full
        }
    }

    private IoStatus prepare(Request r, BdevIo io) {
        int bs = props.blockSize();
        long lba = io.offsetBlocks();
        long blocks = io.numBlocks();
        r.offset = io.offsetBytes();
        r.length = io.lengthBytes();
        boolean raw = ops.contains(TcmurOperation.HANDLE_CMD);
        switch (io.type()) {
            case READ -> {
                r.setData(io.iov());
                r.op = ops.contains(TcmurOperation.READ) ? TcmurOperation.READ : TcmurOperation.HANDLE_CMD;
                if (r.op == TcmurOperation.READ) {
                    r.blockCdb(READ_16, lba, blocks);
                } else {
                    r.rawBlockCdb(READ_10, READ_16, lba, blocks);
                }
            }
            case WRITE -> {
                r.setData(io.iov());
                r.op = ops.contains(TcmurOperation.WRITE) ? TcmurOperation.WRITE : TcmurOperation.HANDLE_CMD;
                if (r.op == TcmurOperation.WRITE) {
                    r.blockCdb(WRITE_16, lba, blocks);
                } else {
                    r.rawBlockCdb(WRITE_10, WRITE_16, lba, blocks);
                }
            }
            case FLUSH -> {
                r.op = ops.contains(TcmurOperation.FLUSH) ? TcmurOperation.FLUSH : TcmurOperation.HANDLE_CMD;
                if (r.op == TcmurOperation.HANDLE_CMD && !raw) {
                    return IoStatus.UNSUPPORTED;
                }
                r.rawBlockCdb(SYNCHRONIZE_CACHE_10, SYNCHRONIZE_CACHE_16, 0, 0);
            }
            case UNMAP -> {
                r.blockCdb(UNMAP, 0, 0);
                r.op = TcmurOperation.UNMAP;
            }
            case WRITE_ZEROES -> {
                r.blockCdb(WRITE_SAME_16, lba, blocks);
                r.setData(new ByteBuffer[]{zeroBlock(bs)});
                r.op = TcmurOperation.WRITESAME;
            }
            case COMPARE_AND_WRITE -> {
                r.blockCdb(COMPARE_AND_WRITE, lba, blocks);
                if (ops.contains(TcmurOperation.CAW)) {
                    r.setData(concat(io.iov(), io.writeIov()));
                    r.op = TcmurOperation.CAW;
                } else {
                    r.setData(io.iov());
                    r.op = TcmurOperation.READ;
                    r.emulation = CawEmulation.READING;
                }
            }
            case SCSI_PASSTHROUGH -> {
                ScsiCommand c = io.scsiCommand();
                r.scsi = c;
                r.copyCdb(c.cdb());
                r.setData(c.data());
                r.length = c.transferLength();
                r.offset = 0;
                r.op = TcmurOperation.HANDLE_CMD;
                if (CdbGuard.check(c, props.blockSize(), props.blockCount())) {
                    return IoStatus.SUCCESS; // the guard answered with CHECK CONDITION
                }
            }
            default -> {
                return IoStatus.UNSUPPORTED;
            }
        }
        return null;
    }

    private static ByteBuffer[] concat(ByteBuffer[] a, ByteBuffer[] b) {
        ByteBuffer[] all = new ByteBuffer[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private ByteBuffer zeroBlock(int bs) {
        ByteBuffer z = zeroBlock;
        if (z == null) {
            z = ByteBuffer.allocateDirect(bs).asReadOnlyBuffer();
            zeroBlock = z;
        }
        return z.duplicate();
    }

    enum CawEmulation { READING }

    private void workLoop() {
        try {
            for (;;) {
                Request r = work.take();
                if (r == STOP) {
                    return;
                }
                run(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(Request r) {
        if (r.emulation == CawEmulation.READING) {
            emulateCompareAndWrite(r);
            return;
        }
        r.clearSense();
        int status;
        try {
            status = device.exec(r);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "tcmur bdev " + name + ": handler " + handler.subtype() + " failed "
                    + r.op, e);
            status = TcmuStatus.HW_ERR;
        }
        if (status != TcmuStatus.ASYNC_HANDLED) {
            r.syncComplete(status);
        }
    }

    /**
     * COMPARE AND WRITE for handlers without caw, as tcmu-runner emulates it: read, compare and write under the
     * device's compare-and-write lock, on the worker thread (handlers with read and write are synchronous here:
     * asynchronous ones without caw do not offer the type).
     */
    private void emulateCompareAndWrite(Request r) {
        BdevIo io = r.io;
        int len = (int) r.length;
        ByteBuffer current = ByteBuffer.allocateDirect(len);
        cawLock.lock();
        int status;
        try {
            r.emulation = null;
            r.op = TcmurOperation.READ;
            r.setData(new ByteBuffer[]{current});
            r.clearSense();
            status = device.exec(r);
            if (status == TcmuStatus.OK) {
                if (!Iov.contentEquals(io.iov(), 0, current, 0, len)) {
                    status = TcmuStatus.MISCOMPARE;
                } else {
                    r.op = TcmurOperation.WRITE;
                    r.setData(io.writeIov());
                    r.clearSense();
                    status = device.exec(r);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "tcmur bdev " + name + ": compare and write failed", e);
            status = TcmuStatus.HW_ERR;
        } finally {
            cawLock.unlock();
        }
        if (status == TcmuStatus.ASYNC_HANDLED) {
            status = TcmuStatus.HW_ERR; // not offered for asynchronous handlers
        }
        r.syncComplete(status);
    }

    /** Completes a request with the handler's status (any thread). */
    void finish(Request r, int status) {
        BdevIo io = r.io;
        ScsiCommand scsi = r.scsi;
        IoStatus result;
        if (scsi != null) {
            result = TcmurStatusMapping.toScsi(status, r.senseMemory, scsi);
        } else {
            result = TcmurStatusMapping.toIoStatus(status, r.senseMemory);
        }
        if (r.bounced && result == IoStatus.SUCCESS) {
            NativeDeviceBackend.copyBack(r);
        }
        release(r);
        io.complete(result);
    }

    private void release(Request r) {
        r.clear();
        r.state.set(Request.IDLE);
        free.add(r);
    }

    int reconfig(TcmurReconfig change) {
        return device.reconfig(change);
    }

    @Override
    public void attach(io.karst.bdev.spi.BdevHost h) {
        host = h;
    }

    /** Tells the layer the device's new block count (after the handler accepted a new size). */
    void resized(long blocks) {
        io.karst.bdev.spi.BdevHost h = host;
        if (h != null) {
            h.resized(blocks);
        }
    }

    /** Stops the worker threads; called after the bdev was unregistered and its I/O drained. */
    @Override
    public void detach() {
        stopWorkers();
    }

    void stopWorkers() {
        for (int i = 0; i < workers.size(); i++) {
            work.offer(STOP);
        }
        for (Thread t : workers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
