package io.karst.tcmur.internal;

import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurDevice;
import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurHandler;
import io.karst.tcmur.TcmurOperation;
import io.karst.tcmur.TcmurReconfig;
import java.nio.ByteBuffer;
import java.util.Set;

/** A handler registered as an OSGi service (or given directly by a test). */
final class JavaHandlerBackend implements HandlerBackend {
    private static final System.Logger LOG = System.getLogger(JavaHandlerBackend.class.getName());

    final TcmurHandler handler;
    private final String origin;

    JavaHandlerBackend(TcmurHandler handler, String origin) {
        this.handler = handler;
        this.origin = origin;
    }

    @Override public String name() { return handler.name(); }
    @Override public String subtype() { return handler.subtype(); }
    @Override public String cfgDesc() { return handler.cfgDesc(); }
    @Override public int nrThreads() { return Math.max(0, handler.nrThreads()); }
    @Override public Set<TcmurOperation> operations() { return handler.operations(); }
    @Override public String origin() { return origin; }
    @Override public boolean isNative() { return false; }

    @Override
    public String checkConfig(String cfgString) {
        try {
            return handler.checkConfig(cfgString);
        } catch (RuntimeException e) {
            return "handler " + subtype() + " failed to check the config string: " + e;
        }
    }

    @Override
    public DeviceBackend open(DeviceSpec spec, int maxOutstanding) throws TcmurException {
        Device d = new Device(spec);
        try {
            handler.open(d, false);
        } catch (RuntimeException e) {
            throw new TcmurException("handler " + subtype() + " failed to open " + spec.name() + ": " + e, e);
        }
        if (d.blockSize < 512 || d.blockSize > 65536 || Integer.bitCount(d.blockSize) != 1 || d.numLbas <= 0) {
            handler.close(d);
            throw new TcmurException("handler " + subtype() + " opened " + spec.name() + " with block size "
                    + d.blockSize + " and " + d.numLbas + " blocks");
        }
        return d;
    }

    /** A Java handler's device: its tunables and private state; commands are handed to the handler's methods. */
    final class Device implements TcmurDevice, DeviceBackend {
        private final DeviceSpec spec;
        private volatile String cfgString;
        private volatile long size;
        volatile int blockSize;
        volatile long numLbas;
        private volatile int maxXfer;
        private volatile int optUnmapGran;
        private volatile int unmapAlign;
        private volatile int maxUnmap = 8192;
        private volatile boolean writeCache;
        private volatile boolean solidState;
        private volatile Object priv;

        Device(DeviceSpec spec) {
            this.spec = spec;
            this.cfgString = spec.cfgString();
            this.size = spec.size();
            this.blockSize = spec.blockSize();
            this.numLbas = spec.size() / spec.blockSize();
            this.maxXfer = spec.maxSectors();
            this.optUnmapGran = spec.maxSectors();
            this.writeCache = spec.writeCache();
        }

        @Override public String name() { return spec.name(); }
        @Override public String cfgString() { return cfgString; }
        @Override public long configuredSize() { return size; }
        @Override public int blockSize() { return blockSize; }
        @Override public void blockSize(int bytes) { blockSize = bytes; }
        @Override public long numLbas() { return numLbas; }
        @Override public void numLbas(long blocks) { numLbas = blocks; }
        @Override public int maxXferLength() { return maxXfer; }
        @Override public void maxXferLength(int blocks) { maxXfer = blocks; }
        @Override public int optUnmapGranularity() { return optUnmapGran; }
        @Override public void optUnmapGranularity(int blocks) { optUnmapGran = blocks; }
        @Override public int unmapGranularityAlignment() { return unmapAlign; }
        @Override public void unmapGranularityAlignment(int blocks) { unmapAlign = blocks; }
        @Override public int maxUnmapLength() { return maxUnmap; }
        @Override public void maxUnmapLength(int blocks) { maxUnmap = blocks; }
        @Override public boolean writeCacheEnabled() { return writeCache; }
        @Override public void writeCacheEnabled(boolean enabled) { writeCache = enabled; }
        @Override public boolean solidStateMedia() { return solidState; }
        @Override public void solidStateMedia(boolean s) { solidState = s; }
        @Override public boolean solidState() { return solidState; }
        @Override public Object handlerPrivate() { return priv; }
        @Override public void handlerPrivate(Object state) { priv = state; }

        @Override
        public void log(System.Logger.Level level, String message) {
            LOG.log(level, "tcmur " + subtype() + " " + spec.name() + ": " + message);
        }

        @Override
        public void notifyLockLost() {
            log(System.Logger.Level.WARNING, "lock lost");
            handler.reportEvent(this, io.karst.tcmur.TcmurEvent.LOCK_LOST);
        }

        @Override
        public void notifyCommandTimedOut() {
            log(System.Logger.Level.WARNING, "command timed out");
            handler.reportEvent(this, io.karst.tcmur.TcmurEvent.CMD_TIMED_OUT);
        }

        @Override
        public int exec(Request r) {
            ByteBuffer[] iov = r.data;
            return switch (r.op) {
                case READ -> handler.read(this, r, iov, r.length, r.offset);
                case WRITE -> handler.write(this, r, iov, r.length, r.offset);
                case FLUSH -> handler.flush(this, r);
                case UNMAP -> handler.unmap(this, r, r.offset, r.length);
                case WRITESAME -> handler.writesame(this, r, r.offset, r.length, iov);
                case CAW -> handler.caw(this, r, r.offset, r.length, iov);
                case HANDLE_CMD -> handler.handleCmd(this, r);
            };
        }

        @Override
        public int reconfig(TcmurReconfig change) {
            int rc = handler.reconfig(this, change);
            if (rc == TcmuStatus.OK) {
                switch (change.kind()) {
                    case SIZE -> size = change.size();
                    case CFGSTRING -> cfgString = change.cfgString();
                    case WRITE_CACHE -> writeCache = change.writeCache();
                }
            }
            return rc;
        }

        @Override
        public void close() {
            handler.close(this);
        }
    }
}
