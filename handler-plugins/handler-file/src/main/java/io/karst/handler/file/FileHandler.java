package io.karst.handler.file;

import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurCommand;
import io.karst.tcmur.TcmurDevice;
import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurHandler;
import io.karst.tcmur.TcmurOperation;
import io.karst.tcmur.TcmurReconfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code file} handler, like tcmu-runner's file_example: config string {@code file/<path>}; the file is created
 * if it does not exist; reads beyond its end return zeroes; the device has a write cache that FLUSH (fdatasync)
 * empties. Synchronous with two worker threads per device, as file_example.
 */
@Component(service = TcmurHandler.class)
public final class FileHandler implements TcmurHandler {
    @Override
    public String name() {
        return "File-backed handler (Java)";
    }

    @Override
    public String subtype() {
        return "file";
    }

    @Override
    public String cfgDesc() {
        return "file/<path>: the path of the backing file (created if missing)";
    }

    @Override
    public int nrThreads() {
        return 2;
    }

    @Override
    public Set<TcmurOperation> operations() {
        return EnumSet.of(TcmurOperation.READ, TcmurOperation.WRITE, TcmurOperation.FLUSH);
    }

    static Path path(String cfgString) {
        int slash = cfgString.indexOf('/');
        return slash < 0 ? null : Path.of(cfgString.substring(slash + 1));
    }

    @Override
    public String checkConfig(String cfgString) {
        Path p = path(cfgString);
        if (p == null || !p.isAbsolute()) {
            return "the config string must be file/<absolute path>";
        }
        if (p.getParent() == null || !p.getParent().toFile().isDirectory()) {
            return "directory of " + p + " does not exist";
        }
        return null;
    }

    @Override
    public void open(TcmurDevice device, boolean reopen) throws TcmurException {
        Path p = path(device.cfgString());
        if (p == null) {
            throw new TcmurException("no path in " + device.cfgString());
        }
        try {
            FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            device.handlerPrivate(ch);
        } catch (IOException e) {
            throw new TcmurException("could not open " + p + ": " + e.getMessage(), 2);
        }
        device.writeCacheEnabled(true);
        device.log(System.Logger.Level.DEBUG, "opened " + p);
    }

    @Override
    public void close(TcmurDevice device) {
        try {
            ((FileChannel) device.handlerPrivate()).close();
        } catch (IOException e) {
            device.log(System.Logger.Level.WARNING, "close failed", e);
        }
    }

    @Override
    public int reconfig(TcmurDevice device, TcmurReconfig change) {
        return change.kind() == TcmurReconfig.Kind.SIZE ? TcmuStatus.OK : -95;
    }

    @Override
    public int read(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        FileChannel ch = (FileChannel) device.handlerPrivate();
        long at = offset;
        try {
            for (ByteBuffer b : iov) {
                ByteBuffer d = b.duplicate();
                while (d.hasRemaining()) {
                    int n = ch.read(d, at);
                    if (n < 0) { // beyond the end of the file: zeroes
                        at += d.remaining();
                        while (d.hasRemaining()) {
                            d.put((byte) 0);
                        }
                        break;
                    }
                    at += n;
                }
            }
            return TcmuStatus.OK;
        } catch (IOException e) {
            device.log(System.Logger.Level.ERROR, "read failed", e);
            return TcmuStatus.RD_ERR;
        }
    }

    @Override
    public int write(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        FileChannel ch = (FileChannel) device.handlerPrivate();
        long at = offset;
        try {
            for (ByteBuffer b : iov) {
                ByteBuffer d = b.duplicate();
                while (d.hasRemaining()) {
                    at += ch.write(d, at);
                }
            }
            return TcmuStatus.OK;
        } catch (IOException e) {
            device.log(System.Logger.Level.ERROR, "write failed", e);
            return TcmuStatus.WR_ERR;
        }
    }

    @Override
    public int flush(TcmurDevice device, TcmurCommand cmd) {
        try {
            ((FileChannel) device.handlerPrivate()).force(false);
            return TcmuStatus.OK;
        } catch (IOException e) {
            device.log(System.Logger.Level.ERROR, "flush failed", e);
            return TcmuStatus.WR_ERR;
        }
    }
}
