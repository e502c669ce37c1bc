package io.karst.tcmur.internal;

import io.karst.bdev.spi.Iov;
import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurEvent;
import io.karst.tcmur.TcmurReconfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * An open device of a native handler. Each command slot owns a native command (CDB, sense, iovec staging); data
 * buffers go to the handler by address when they are direct and few enough, else through the slot's bounce
 * buffer. The handler gets a fresh copy of the iovec array for every command (handlers consume it).
 */
final class NativeDeviceBackend implements DeviceBackend {
    static final int MAX_IOV = 64;

    private final NativeHost host;
    private final NativeHandlerBackend handler;
    private final Pointer dev;
    private final long[] info = new long[10];
    private volatile int id;

    NativeDeviceBackend(NativeHost host, NativeHandlerBackend handler, Pointer dev) {
        this.host = host;
        this.handler = handler;
        this.dev = dev;
        host.lib.kt_dev_info(dev, info, info.length);
    }

    /** Registers the device for routing asynchronous completions; returns its id. */
    void attach(TcmurBdev bdev) {
        id = host.register(bdev);
    }

    @Override public int blockSize() { return (int) info[0]; }
    @Override public long numLbas() { return info[1]; }
    @Override public int maxXferLength() { return (int) info[2]; }
    @Override public boolean writeCacheEnabled() { return info[6] != 0; }
    @Override public boolean solidState() { return info[7] != 0; }

    @Override
    public void bind(Request r) {
        Pointer cmd = host.lib.kt_cmd_alloc(dev, MAX_IOV);
        if (cmd == null) {
            throw new OutOfMemoryError("native command slots");
        }
        r.nativeCmd = cmd.address();
        // CDB and sense fields are big-endian
        r.setMemory(host.wrap(host.lib.kt_cmd_cdb(cmd).address(), Request.CDB_CAPACITY).order(ByteOrder.BIG_ENDIAN),
                host.wrap(host.lib.kt_cmd_sense(cmd).address(), Request.SENSE_SIZE).order(ByteOrder.BIG_ENDIAN));
        r.stage = host.wrap(host.lib.kt_cmd_stage(cmd).address(), MAX_IOV * 16).order(ByteOrder.nativeOrder());
    }

    @Override
    public void unbind(Request r) {
        if (r.nativeCmd != 0) {
            host.lib.kt_cmd_free(Pointer.wrap(jnr.ffi.Runtime.getRuntime(host.lib), r.nativeCmd));
            r.nativeCmd = 0;
        }
    }

    @Override
    public int exec(Request r) {
        ByteBuffer[] data = r.data;
        int cnt = 0;
        boolean direct = data.length <= MAX_IOV;
        for (int i = 0; direct && i < data.length; i++) {
            direct = data[i].isDirect();
        }
        if (direct) {
            r.bounced = false;
            for (ByteBuffer b : data) {
                if (!b.hasRemaining()) {
                    continue;
                }
                r.stage.putLong(16 * cnt, host.address(b) + b.position());
                r.stage.putLong(16 * cnt + 8, b.remaining());
                cnt++;
            }
        } else {
            int total = (int) Iov.length(data);
            ByteBuffer bounce = r.bounce;
            if (bounce == null || bounce.capacity() < total) {
                bounce = ByteBuffer.allocateDirect(Math.max(total, 4096));
                r.bounce = bounce;
            }
            Iov.copyOut(data, 0, bounce, 0, total); // write data in; for reads the copy back is in copyBack
            r.bounced = true;
            r.stage.putLong(0, host.address(bounce));
            r.stage.putLong(8, total);
            cnt = total > 0 ? 1 : 0;
        }
        long a = r.offset;
        long b = r.length;
        long token = ((long) id << 32) | r.index;
        return host.lib.kt_cmd_exec(r.nativeCmd, r.op.ordinal(), a, b, cnt, r.cdbLength, token);
    }

    /** After a successful command that went through the bounce buffer: the data read goes to the caller. */
    static void copyBack(Request r) {
        if (r.op == io.karst.tcmur.TcmurOperation.READ || (r.scsi != null
                && r.scsi.direction() == io.karst.bdev.ScsiCommand.Direction.FROM_DEVICE)
                || (r.op == io.karst.tcmur.TcmurOperation.HANDLE_CMD && r.io != null
                && r.io.type() == io.karst.bdev.IoType.READ)) {
            int total = (int) Iov.length(r.data);
            Iov.copyIn(r.bounce, 0, r.data, 0, total);
        }
    }

    @Override
    public int reconfig(TcmurReconfig change) {
        int type = switch (change.kind()) {
            case CFGSTRING -> 0;
            case SIZE -> 1;
            case WRITE_CACHE -> 2;
        };
        long value = change.kind() == TcmurReconfig.Kind.SIZE ? change.size() : change.writeCache() ? 1 : 0;
        int rc = host.lib.kt_dev_reconfig(dev, type, value, change.cfgString());
        host.lib.kt_dev_info(dev, info, info.length);
        return rc == -95 ? rc : rc;
    }

    void reportEvent(TcmurEvent event) {
        int rc = host.lib.kt_dev_report_event(dev);
        if (rc != 0 && rc != -95) {
            handlerLog("report_event(" + event + ") returned " + rc);
        }
    }

    private void handlerLog(String s) {
        System.getLogger("io.karst.tcmur.handler").log(System.Logger.Level.WARNING, handler.subtype() + ": " + s);
    }

    @Override
    public void close() {
        host.unregister(id);
        host.lib.kt_dev_close(dev);
        host.lib.kt_dev_free(dev);
    }

    static int ok() {
        return TcmuStatus.OK;
    }
}
