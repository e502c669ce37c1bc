package io.karst.tcmur.internal;

import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurOperation;
import java.util.EnumSet;
import java.util.Set;
import jnr.ffi.Pointer;

/** A handler from a {@code handler_*.so}, registered with the native host library. */
final class NativeHandlerBackend implements HandlerBackend {
    final NativeHost host;
    final int index;
    private final String name;
    private final String subtype;
    private final String cfgDesc;
    private final String path;
    private final int nrThreads;
    private final Set<TcmurOperation> ops;

    NativeHandlerBackend(NativeHost host, int index) {
        this.host = host;
        this.index = index;
        NativeLib lib = host.lib;
        this.name = lib.kt_handler_name(index);
        this.subtype = lib.kt_handler_subtype(index);
        this.cfgDesc = lib.kt_handler_cfg_desc(index);
        this.path = lib.kt_handler_path(index);
        this.nrThreads = Math.max(0, lib.kt_handler_nr_threads(index));
        int bits = lib.kt_handler_ops(index);
        Set<TcmurOperation> s = EnumSet.noneOf(TcmurOperation.class);
        for (TcmurOperation op : TcmurOperation.values()) {
            if ((bits & (1 << op.ordinal())) != 0) {
                s.add(op);
            }
        }
        this.ops = s;
    }

    @Override public String name() { return name; }
    @Override public String subtype() { return subtype; }
    @Override public String cfgDesc() { return cfgDesc; }
    @Override public int nrThreads() { return nrThreads; }
    @Override public Set<TcmurOperation> operations() { return ops; }
    @Override public String origin() { return path; }
    @Override public boolean isNative() { return true; }

    @Override
    public String checkConfig(String cfgString) {
        byte[] reason = new byte[1024];
        return host.lib.kt_check_config(index, cfgString, reason, reason.length) == 1 ? null
                : NativeLib.cString(reason);
    }

    @Override
    public DeviceBackend open(DeviceSpec spec, int maxOutstanding) throws TcmurException {
        Pointer dev = host.lib.kt_dev_create(index, spec.name(), spec.cfgString(), spec.size(), spec.blockSize(),
                spec.maxSectors(), spec.writeCache() ? 1 : 0, spec.wwn());
        if (dev == null) {
            throw new TcmurException("out of native memory", 12);
        }
        int rc = host.lib.kt_dev_open(dev, 0);
        if (rc != 0) {
            host.lib.kt_dev_free(dev);
            throw new TcmurException("handler " + subtype + " could not open " + spec.cfgString() + " (error "
                    + rc + (rc < 0 ? ", " + Errno.describe(-rc) : "") + "); see the log for the handler's messages",
                    rc < 0 ? -rc : 5);
        }
        NativeDeviceBackend d = new NativeDeviceBackend(host, this, dev);
        if (d.blockSize() < 512 || d.blockSize() > 65536 || Integer.bitCount(d.blockSize()) != 1
                || d.numLbas() <= 0) {
            d.close();
            throw new TcmurException("handler " + subtype + " opened " + spec.name() + " with block size "
                    + d.blockSize() + " and " + d.numLbas() + " blocks");
        }
        return d;
    }
}
