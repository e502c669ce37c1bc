package io.karst.fuse.internal;

import static io.karst.fuse.internal.FuseProtocol.*;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.fuse.internal.Namespace.Kind;
import io.karst.fuse.internal.Namespace.Node;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One mounted FUSE connection: worker threads read requests from the device and answer them. Metadata requests
 * are answered by the worker at once; READ, WRITE, FSYNC and FALLOCATE of {@code dev/} files are submitted to the
 * bdev with the request buffer as the completion, the worker goes on reading, and the completion (on whatever thread
 * the bdev finishes) writes the reply. So one file can have as many I/Os in flight as the kernel sends
 * ({@code max_background} for asynchronous direct I/O), with a handful of threads.
 */
final class FuseSession {
    private static final Logger LOG = Logger.getLogger(FuseSession.class.getName());

    /** Settings of a mount. */
    record Options(int threads, int maxBackground, int maxWrite, int uid, int gid, int fileMode, boolean allowOther,
                   long timeoutMillis, int maxRequests) {
    }

    private sealed interface OpenFile permits DevFile, StatusFile, DirFile {
    }

    private record DevFile(Export.Handle handle, boolean writable, boolean sync) implements OpenFile {
    }

    private record StatusFile(byte[] content) implements OpenFile {
    }

    private record DirEntry(String name, long ino, int type) {
    }

    private record DirFile(List<DirEntry> entries) implements OpenFile {
    }

    private final Native n;
    private final FuseDevice dev;
    private final Namespace ns;
    private final StatusTree status;
    private final BdevRegistry registry;
    private final Function<String, Export> exports;
    private final Options o;
    private final RequestPool pool;
    private final Map<Long, OpenFile> files = new ConcurrentHashMap<>();
    private final AtomicLong nextFh = new AtomicLong(1);
    private final long mountedAt = System.currentTimeMillis() / 1000;
    private final Thread[] workers;

    final AtomicLong requests = new AtomicLong();
    final AtomicLong ioInFlight = new AtomicLong();
    private volatile boolean initialized;
    private volatile String ended;

    FuseSession(Native n, FuseDevice dev, Namespace ns, StatusTree status, BdevRegistry registry,
                Function<String, Export> exports, Options options) {
        this.n = n;
        this.dev = dev;
        this.ns = ns;
        this.status = status;
        this.registry = registry;
        this.exports = exports;
        this.o = options;
        this.pool = new RequestPool(options.maxRequests(), () -> new Request(this, n, options.maxWrite()));
        this.workers = new Thread[options.threads()];
    }

    void start(String name) {
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            Thread t = new Thread(() -> run(index), "karst-fuse-" + name + "-" + i);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Why the session ended (unmounted, device error), or null while it runs. */
    String ended() {
        return ended;
    }

    boolean initialized() {
        return initialized;
    }

    int openFiles() {
        return files.size();
    }

    int buffersInUse() {
        return pool.inUse();
    }

    /**
     * Stops the workers (after the file system was unmounted), waits up to {@code waitMillis} for I/O in flight,
     * and closes what the open files held. Returns whether the device may be closed (no completion can still write
     * to it).
     */
    boolean stop(long waitMillis) {
        dev.wake();
        long deadline = System.currentTimeMillis() + waitMillis;
        for (Thread t : workers) {
            if (t != null) {
                try {
                    t.join(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        while (ioInFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Long fh : new ArrayList<>(files.keySet())) {
            OpenFile f = files.remove(fh);
            if (f instanceof DevFile d) {
                d.handle().export().release(d.handle());
            }
        }
        if (ended == null) {
            ended = "stopped";
        }
        return ioInFlight.get() == 0;
    }

    // ------------------------------------------------------------------------------------------------ workers

    private void run(int worker) {
        ByteBuffer pollFds = Native.aligned(16, 8);
        long pollAddress = n.address(pollFds);
        Request req = pool.take(dev::isClosed);
        try {
            while (req != null) {
                long r = dev.read(req.address + Request.REQUEST_AT, req.readLength());
                if (r < 0) {
                    int e = (int) -r;
                    if (e == Errno.EAGAIN) {
                        if (!dev.await(pollFds, pollAddress)) {
                            break;
                        }
                        continue;
                    }
                    if (e == Errno.EINTR || e == Errno.ENOENT) {
                        continue;
                    }
                    end(e == Errno.ENODEV ? "unmounted" : "reading /dev/fuse failed: " + n.strerror(e));
                    break;
                }
                requests.incrementAndGet();
                if (dispatch(worker, req, (int) r)) {
                    req = pool.take(dev::isClosed);
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "FUSE worker " + worker + " failed", t);
            end("worker failed: " + t);
        } finally {
            if (req != null) {
                pool.give(req);
            }
        }
    }

    private void end(String why) {
        if (ended == null) {
            ended = why;
            dev.wake();
        }
    }

    /** Answers one request; returns true when the request's buffer went with an I/O (the worker needs another). */
    private boolean dispatch(int worker, Request req, int length) {
        ByteBuffer b = req.buf;
        int at = Request.REQUEST_AT;
        if (length < IN_HEADER) {
            LOG.warning("FUSE request of " + length + " bytes ignored");
            return false;
        }
        int len = b.getInt(at);
        int opcode = b.getInt(at + 4);
        long unique = b.getLong(at + 8);
        long nodeId = b.getLong(at + 16);
        if (len != length) {
            reply(req, unique, Errno.EINVAL, 0);
            return false;
        }
        int a = at + IN_HEADER;
        int end = at + len;
        try {
            return switch (opcode) {
                case INIT -> init(req, unique, a, len);
                case FORGET, BATCH_FORGET, INTERRUPT -> false;
                case LOOKUP -> lookup(req, unique, nodeId, a, end);
                case GETATTR -> getattr(req, unique, nodeId);
                case SETATTR -> setattr(req, unique, nodeId, a, len);
                case OPEN -> open(req, unique, nodeId, a, len);
                case READ -> read(worker, req, unique, a, len);
                case WRITE -> write(worker, req, unique, a, len);
                case FLUSH, FSYNCDIR, SYNCFS, DESTROY -> reply(req, unique, 0, 0);
                case RELEASE, RELEASEDIR -> release(req, unique, a, len);
                case FSYNC -> fsync(worker, req, unique, a, len);
                case OPENDIR -> opendir(req, unique, nodeId);
                case READDIR -> readdir(req, unique, a, len);
                case STATFS -> statfs(req, unique);
                case FALLOCATE -> fallocate(worker, req, unique, a, len);
                case CREATE, MKNOD, MKDIR, SYMLINK, LINK, UNLINK, RMDIR, RENAME, RENAME2, TMPFILE, SETXATTR,
                     REMOVEXATTR -> reply(req, unique, Errno.EPERM, 0);
                default -> reply(req, unique, Errno.ENOSYS, 0);
            };
        } catch (MalformedRequest e) {
            LOG.warning("malformed FUSE request: " + e.getMessage());
            return reply(req, unique, Errno.EINVAL, 0);
        }
    }

    /** Writes a reply whose payload is at {@link Request#DATA_AT}; returns false (the buffer stays with the worker). */
    private boolean reply(Request req, long unique, int errno, int payload) {
        int size = OUT_HEADER + (errno == 0 ? payload : 0);
        putOutHeader(req.buf, Request.REPLY_AT, size, -errno, unique);
        dev.write(req.address + Request.REPLY_AT, size);
        return false;
    }

    // ------------------------------------------------------------------------------------------------ metadata

    private boolean init(Request req, long unique, int a, int len) {
        requireArgs(len, 16, INIT);
        ByteBuffer b = req.buf;
        int major = b.getInt(a);
        int minor = b.getInt(a + 4);
        int readahead = b.getInt(a + 8);
        int flags = b.getInt(a + 12);
        int flags2 = len >= IN_HEADER + 20 ? b.getInt(a + 16) : 0;
        InitReply r = negotiate(major, minor, readahead, flags, flags2, o.maxBackground(), o.maxWrite());
        if (r == null) {
            LOG.severe("the kernel speaks FUSE " + major + "." + minor + "; at least 7." + MIN_MINOR_VERSION
                    + " is needed");
            return reply(req, unique, Errno.EINVAL, 0);
        }
        int size = r.write(b, Request.DATA_AT);
        initialized = true;
        LOG.info("FUSE " + major + "." + minor + " connection: flags 0x" + Integer.toHexString(r.flags())
                + ", max_write " + r.maxWrite() + ", max_background " + r.maxBackground());
        return reply(req, unique, 0, size);
    }

    private Attr attr(Node node) {
        return switch (node.kind()) {
            case DIR -> new Attr(node.id(), 0, S_IFDIR | 0555, 2, 0, 0, 4096, mountedAt);
            case DEV -> {
                Bdev bdev = registry.find(node.bdev()).orElse(null);
                if (bdev == null) {
                    yield null;
                }
                int mode = bdev.readOnly() ? o.fileMode() & ~0222 : o.fileMode();
                yield new Attr(node.id(), bdev.sizeBytes(), S_IFREG | mode, 1, o.uid(), o.gid(),
                        Math.max(4096, bdev.blockSize()), mountedAt);
            }
            case STATUS -> {
                String text = status.read(node.tree(), node.rel());
                if (text == null) {
                    yield null;
                }
                yield new Attr(node.id(), text.getBytes(StandardCharsets.UTF_8).length, S_IFREG | 0444, 1, 0, 0,
                        4096, mountedAt);
            }
        };
    }

    private long attrTimeout(Node node) {
        return node.kind() == Kind.STATUS ? 0 : o.timeoutMillis();
    }

    private boolean lookup(Request req, long unique, long parentId, int a, int end) {
        String name = FuseProtocol.name(req.buf, a, end);
        Node parent = ns.byId(parentId);
        if (parent == null || parent.kind() != Kind.DIR) {
            return reply(req, unique, parent == null ? Errno.ENOENT : Errno.ENOTDIR, 0);
        }
        if (name == null || name.equals(".") || name.equals("..")) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        Node node = ns.resolve(Namespace.child(parent, name));
        Attr attr = node == null ? null : attr(node);
        if (attr == null) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        int size = putEntry(req.buf, Request.DATA_AT, attr, o.timeoutMillis(), attrTimeout(node));
        return reply(req, unique, 0, size);
    }

    private Node existing(long nodeId) {
        Node node = ns.byId(nodeId);
        return node != null && ns.exists(node) ? node : null;
    }

    private boolean getattr(Request req, long unique, long nodeId) {
        Node node = existing(nodeId);
        Attr attr = node == null ? null : attr(node);
        if (attr == null) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        return reply(req, unique, 0, putAttrOut(req.buf, Request.DATA_AT, attr, attrTimeout(node)));
    }

    private boolean setattr(Request req, long unique, long nodeId, int a, int len) {
        requireArgs(len, 88, SETATTR);
        int valid = req.buf.getInt(a);
        long size = req.buf.getLong(a + 16);
        Node node = existing(nodeId);
        Attr attr = node == null ? null : attr(node);
        if (attr == null) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        if ((valid & (FATTR_MODE | FATTR_UID | FATTR_GID)) != 0) {
            // owner and mode are the frontend's settings (etc/io.karst.fuse.cfg)
            return reply(req, unique, Errno.EPERM, 0);
        }
        if ((valid & FATTR_SIZE) != 0 && (node.kind() != Kind.DEV || size != attr.size())) {
            // a device file's size is the bdev's (bdev:resize changes it); O_TRUNC is ignored as for block devices
            boolean readOnly = (attr.mode() & 0222) == 0;
            return reply(req, unique, readOnly ? Errno.EROFS : Errno.EPERM, 0);
        }
        // times are accepted and not kept (touch works)
        return reply(req, unique, 0, putAttrOut(req.buf, Request.DATA_AT, attr, attrTimeout(node)));
    }

    private boolean open(Request req, long unique, long nodeId, int a, int len) {
        requireArgs(len, 8, OPEN);
        int flags = req.buf.getInt(a);
        boolean writable = (flags & O_ACCMODE) != 0;
        Node node = existing(nodeId);
        if (node == null) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        switch (node.kind()) {
            case DIR:
                return reply(req, unique, Errno.EISDIR, 0);
            case STATUS: {
                if (writable) {
                    return reply(req, unique, Errno.EACCES, 0);
                }
                String text = status.read(node.tree(), node.rel());
                if (text == null) {
                    return reply(req, unique, Errno.ENOENT, 0);
                }
                long fh = nextFh.getAndIncrement();
                files.put(fh, new StatusFile(text.getBytes(StandardCharsets.UTF_8)));
                return reply(req, unique, 0, putOpenOut(req.buf, Request.DATA_AT, fh, FOPEN_DIRECT_IO));
            }
            default: {
                Export export = exports.apply(node.bdev());
                if (export == null) {
                    return reply(req, unique, Errno.ENOENT, 0);
                }
                Export.Handle handle;
                try {
                    handle = export.open(writable);
                } catch (Export.OpenRefused e) {
                    LOG.fine(() -> "open of dev/" + node.bdev() + " refused: " + e.getMessage());
                    return reply(req, unique, e.errno, 0);
                }
                long fh = nextFh.getAndIncrement();
                files.put(fh, new DevFile(handle, writable, (flags & O_DSYNC) != 0));
                return reply(req, unique, 0, putOpenOut(req.buf, Request.DATA_AT, fh,
                        FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES));
            }
        }
    }

    private boolean release(Request req, long unique, int a, int len) {
        requireArgs(len, 8, RELEASE);
        OpenFile f = files.remove(req.buf.getLong(a));
        if (f instanceof DevFile d) {
            d.handle().export().release(d.handle());
        }
        return reply(req, unique, 0, 0);
    }

    private boolean opendir(Request req, long unique, long nodeId) {
        Node node = existing(nodeId);
        if (node == null) {
            return reply(req, unique, Errno.ENOENT, 0);
        }
        if (node.kind() != Kind.DIR) {
            return reply(req, unique, Errno.ENOTDIR, 0);
        }
        List<DirEntry> entries = new ArrayList<>();
        entries.add(new DirEntry(".", node.id(), DT_DIR));
        entries.add(new DirEntry("..", FuseProtocol.ROOT_ID, DT_DIR));
        List<String> names = registry.bdevs().stream().map(Bdev::name).toList();
        for (Map.Entry<String, Kind> e : ns.list(node, names).entrySet()) {
            Node child = ns.resolve(Namespace.child(node, e.getKey()));
            if (child != null) {
                entries.add(new DirEntry(e.getKey(), child.id(), child.kind() == Kind.DIR ? DT_DIR : DT_REG));
            }
        }
        long fh = nextFh.getAndIncrement();
        files.put(fh, new DirFile(entries));
        return reply(req, unique, 0, putOpenOut(req.buf, Request.DATA_AT, fh, 0));
    }

    private boolean readdir(Request req, long unique, int a, int len) {
        requireArgs(len, 24, READDIR);
        long fh = req.buf.getLong(a);
        long offset = req.buf.getLong(a + 8);
        int size = req.buf.getInt(a + 16);
        if (!(files.get(fh) instanceof DirFile dir)) {
            return reply(req, unique, Errno.EBADF, 0);
        }
        int limit = Request.DATA_AT + Math.min(Math.max(size, 0), req.dataCapacity);
        int at = Request.DATA_AT;
        for (long i = Math.max(offset, 0); i < dir.entries().size(); i++) {
            DirEntry e = dir.entries().get((int) i);
            int w = putDirent(req.buf, at, limit, e.ino(), i + 1, e.type(), e.name().getBytes(StandardCharsets.UTF_8));
            if (w < 0) {
                break;
            }
            at += w;
        }
        return reply(req, unique, 0, at - Request.DATA_AT);
    }

    private boolean statfs(Request req, long unique) {
        long bytes = 0;
        List<Bdev> all = registry.bdevs();
        for (Bdev b : all) {
            bytes += b.sizeBytes();
        }
        return reply(req, unique, 0, putStatfs(req.buf, Request.DATA_AT, bytes / 4096, 4096, all.size()));
    }

    // ------------------------------------------------------------------------------------------------ block I/O

    private boolean read(int worker, Request req, long unique, int a, int len) {
        requireArgs(len, READ_IN, READ);
        ByteBuffer b = req.buf;
        long fh = b.getLong(a);
        long off = b.getLong(a + 8);
        int size = b.getInt(a + 16);
        OpenFile f = files.get(fh);
        if (f instanceof StatusFile s) {
            int from = (int) Math.min(Math.max(off, 0), s.content().length);
            int n = Math.min(Math.min(Math.max(size, 0), s.content().length - from), req.dataCapacity);
            b.put(Request.DATA_AT, s.content(), from, n);
            return reply(req, unique, 0, n);
        }
        if (!(f instanceof DevFile d)) {
            return reply(req, unique, Errno.EBADF, 0);
        }
        Bdev bdev = d.handle().bdev();
        long devSize = bdev.sizeBytes();
        if (off < 0 || size < 0) {
            return reply(req, unique, Errno.EINVAL, 0);
        }
        if (off >= devSize || size == 0) {
            return reply(req, unique, 0, 0);
        }
        size = (int) Math.min(size, devSize - off);
        int bs = bdev.blockSize();
        long first = off - off % bs;
        long last = (off + size + bs - 1) / bs * bs;
        long span = last - first;
        if (span > req.dataCapacity) {
            return reply(req, unique, Errno.EINVAL, 0);
        }
        IoChannel ch = d.handle().channel(worker);
        if (ch == null) {
            return reply(req, unique, Errno.EIO, 0);
        }
        req.unique = unique;
        req.opcode = READ;
        req.export = d.handle().export();
        req.replyAt = Request.DATA_AT + (int) (off - first) - OUT_HEADER;
        req.payload = size;
        begin(req);
        req.data.clear();
        req.data.limit(Request.DATA_AT + (int) span).position(Request.DATA_AT);
        ch.submitBytes(IoType.READ, first, req.data, 0, req);
        return true;
    }

    private boolean write(int worker, Request req, long unique, int a, int len) {
        requireArgs(len, WRITE_IN, WRITE);
        ByteBuffer b = req.buf;
        long fh = b.getLong(a);
        long off = b.getLong(a + 8);
        int size = b.getInt(a + 16);
        int fileFlags = b.getInt(a + 32);
        if (size < 0 || len != IN_HEADER + WRITE_IN + size) {
            throw new MalformedRequest("WRITE of " + size + " bytes in a request of " + len);
        }
        if (!(files.get(fh) instanceof DevFile d) || !d.writable()) {
            return reply(req, unique, Errno.EBADF, 0);
        }
        Bdev bdev = d.handle().bdev();
        int bs = bdev.blockSize();
        if (off < 0) {
            return reply(req, unique, Errno.EINVAL, 0);
        }
        if (off + size > bdev.sizeBytes()) {
            return reply(req, unique, Errno.ENOSPC, 0);
        }
        if (size == 0) {
            b.putLong(Request.DATA_AT, 0);
            return reply(req, unique, 0, WRITE_OUT);
        }
        IoChannel ch = d.handle().channel(worker);
        if (ch == null) {
            return reply(req, unique, Errno.EIO, 0);
        }
        req.unique = unique;
        req.opcode = WRITE;
        req.export = d.handle().export();
        req.replyAt = Request.REPLY_AT;
        req.payload = size;
        boolean sync = d.sync() || (fileFlags & O_DSYNC) != 0;
        begin(req);
        if (off % bs != 0 || size % bs != 0) {
            req.export.partialWrites.submit(d.handle().descriptor, req, off, size, bs, sync ? IoChannel.FUA : 0);
            return true;
        }
        req.data.clear();
        req.data.limit(Request.DATA_AT + size).position(Request.DATA_AT);
        ch.submitBytes(IoType.WRITE, off, req.data, sync ? IoChannel.FUA : 0, req);
        return true;
    }

    private boolean fsync(int worker, Request req, long unique, int a, int len) {
        requireArgs(len, 8, FSYNC);
        OpenFile f = files.get(req.buf.getLong(a));
        if (!(f instanceof DevFile d)) {
            return reply(req, unique, f == null ? Errno.EBADF : 0, 0);
        }
        if (!d.handle().bdev().supports(IoType.FLUSH)) {
            // nothing volatile to make durable
            return reply(req, unique, 0, 0);
        }
        IoChannel ch = d.handle().channel(worker);
        if (ch == null) {
            return reply(req, unique, Errno.EIO, 0);
        }
        return submitOther(req, unique, d, ch, IoType.FLUSH, 0, 0);
    }

    private boolean fallocate(int worker, Request req, long unique, int a, int len) {
        requireArgs(len, 32, FALLOCATE);
        ByteBuffer b = req.buf;
        long fh = b.getLong(a);
        long off = b.getLong(a + 8);
        long length = b.getLong(a + 16);
        int mode = b.getInt(a + 24);
        if (!(files.get(fh) instanceof DevFile d) || !d.writable()) {
            return reply(req, unique, Errno.EBADF, 0);
        }
        Bdev bdev = d.handle().bdev();
        long devSize = bdev.sizeBytes();
        if (off < 0 || length <= 0) {
            return reply(req, unique, Errno.EINVAL, 0);
        }
        boolean keepSize = (mode & FALLOC_FL_KEEP_SIZE) != 0;
        int kind = mode & ~FALLOC_FL_KEEP_SIZE;
        if (kind == 0) {
            // the whole device is allocated; growing it is bdev:resize's business
            return reply(req, unique, keepSize || off + length <= devSize ? 0 : Errno.ENOSPC, 0);
        }
        long end = Math.min(off + length, devSize);
        if (off >= end) {
            return reply(req, unique, 0, 0);
        }
        int bs = bdev.blockSize();
        if (off % bs != 0 || (end % bs != 0)) {
            return reply(req, unique, Errno.EOPNOTSUPP, 0);
        }
        IoType type;
        if (kind == FALLOC_FL_PUNCH_HOLE && keepSize) {
            type = bdev.supports(IoType.UNMAP) && bdev.unmapReadsZeroes() ? IoType.UNMAP
                    : bdev.supports(IoType.WRITE_ZEROES) ? IoType.WRITE_ZEROES : null;
        } else if (kind == FALLOC_FL_ZERO_RANGE) {
            type = bdev.supports(IoType.WRITE_ZEROES) ? IoType.WRITE_ZEROES : null;
        } else {
            type = null;
        }
        if (type == null) {
            return reply(req, unique, Errno.EOPNOTSUPP, 0);
        }
        IoChannel ch = d.handle().channel(worker);
        if (ch == null) {
            return reply(req, unique, Errno.EIO, 0);
        }
        return submitOther(req, unique, d, ch, type, off / bs, (end - off) / bs);
    }

    private boolean submitOther(Request req, long unique, DevFile d, IoChannel ch, IoType type, long offsetBlocks,
                                long numBlocks) {
        req.unique = unique;
        req.opcode = type == IoType.FLUSH ? FSYNC : FALLOCATE;
        req.export = d.handle().export();
        req.replyAt = Request.REPLY_AT;
        req.payload = 0;
        begin(req);
        ch.submit(type, offsetBlocks, numBlocks, null, null, 0, req);
        return true;
    }

    private void begin(Request req) {
        ioInFlight.incrementAndGet();
        req.export.started();
    }

    /** The completion of a request's block I/O: writes the reply and gives the buffer back. */
    void complete(Request req, IoStatus status) {
        Export export = req.export;
        ByteBuffer b = req.buf;
        try {
            if (!status.isSuccess()) {
                export.errors.incrementAndGet();
                putOutHeader(b, Request.REPLY_AT, OUT_HEADER, -status.errno(), req.unique);
                dev.write(req.address + Request.REPLY_AT, OUT_HEADER);
            } else if (req.opcode == READ) {
                export.reads.incrementAndGet();
                export.bytesRead.addAndGet(req.payload);
                putOutHeader(b, req.replyAt, OUT_HEADER + req.payload, 0, req.unique);
                dev.write(req.address + req.replyAt, OUT_HEADER + req.payload);
            } else if (req.opcode == WRITE) {
                export.writes.incrementAndGet();
                export.bytesWritten.addAndGet(req.payload);
                b.putInt(Request.DATA_AT, req.payload);
                b.putInt(Request.DATA_AT + 4, 0);
                putOutHeader(b, Request.REPLY_AT, OUT_HEADER + WRITE_OUT, 0, req.unique);
                dev.write(req.address + Request.REPLY_AT, OUT_HEADER + WRITE_OUT);
            } else {
                if (req.opcode == FSYNC) {
                    export.flushes.incrementAndGet();
                }
                putOutHeader(b, Request.REPLY_AT, OUT_HEADER, 0, req.unique);
                dev.write(req.address + Request.REPLY_AT, OUT_HEADER);
            }
        } finally {
            export.finished();
            ioInFlight.decrementAndGet();
            pool.give(req);
        }
    }

    /** Tells the kernel to drop its cached attributes of a node (after a resize). */
    void invalidate(long nodeId) {
        if (!initialized || dev.isClosed()) {
            return;
        }
        ByteBuffer b = Native.aligned(OUT_HEADER + 24, 8);
        putOutHeader(b, 0, OUT_HEADER + 24, NOTIFY_INVAL_INODE, 0);
        b.putLong(OUT_HEADER, nodeId);
        b.putLong(OUT_HEADER + 8, -1);
        b.putLong(OUT_HEADER + 16, 0);
        dev.write(n.address(b), OUT_HEADER + 24);
    }
}
