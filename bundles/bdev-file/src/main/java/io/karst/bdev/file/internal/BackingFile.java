package io.karst.bdev.file.internal;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The opened file or block device behind a file bdev: a {@link FileChannel} (flush, resize, the threads engine,
 * zero writes) and, when the native shim is loaded, a raw descriptor (io_uring I/O, optionally O_DIRECT;
 * fallocate; block-device geometry). Every failure to open it becomes an {@link IOException} whose message is fit
 * for an operator.
 */
final class BackingFile implements Closeable {
    /** What the file is. */
    enum Kind {
        REGULAR("file"), BLOCK("block device");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    final Path path;
    final Kind kind;
    final boolean readOnly;
    final boolean direct;
    final RandomAccessFile raf;
    final FileChannel channel;
    /** Raw descriptor from the shim (O_DIRECT when {@link #direct}), or -1 without the shim. */
    final int fd;
    /** Logical block size of a block device; 0 for a regular file. */
    final int logicalBlockSize;
    /** Alignment O_DIRECT needs of buffer memory (1 without O_DIRECT). */
    final int memoryAlignment;
    /** Alignment O_DIRECT needs of offsets and lengths (1 without O_DIRECT). */
    final int offsetAlignment;
    /** Whether buffered reads can complete without blocking (RWF_NOWAIT works): page-cache hits complete inline. */
    final boolean nowaitReads;
    private final FileShim shim;

    private BackingFile(Path path, Kind kind, boolean readOnly, boolean direct, RandomAccessFile raf, int fd,
                        int logicalBlockSize, int memoryAlignment, int offsetAlignment, boolean nowaitReads,
                        FileShim shim) {
        this.path = path;
        this.kind = kind;
        this.readOnly = readOnly;
        this.direct = direct;
        this.raf = raf;
        this.channel = raf.getChannel();
        this.fd = fd;
        this.logicalBlockSize = logicalBlockSize;
        this.memoryAlignment = memoryAlignment;
        this.offsetAlignment = offsetAlignment;
        this.nowaitReads = nowaitReads;
        this.shim = shim;
    }

    /**
     * Opens (and with a configured size, creates or extends) the backing file of a configuration.
     *
     * @param shim the native shim, or {@code null} when it is not loaded (then only regular files, no O_DIRECT
     *             through the shim, no fallocate)
     * @param create whether a missing regular file may be created (false for a mere check)
     */
    static BackingFile open(FileBdevConfig cfg, FileShim shim, boolean create) throws IOException {
        Path path = cfg.filename();
        boolean exists = Files.exists(path);
        if (!exists) {
            if (cfg.size() == -1) {
                throw new IOException(path + " does not exist (give a size to create a file)");
            }
            if (cfg.readOnly()) {
                throw new IOException(path + " does not exist, and a read-only bdev does not create its file");
            }
            Path parent = path.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IOException("cannot create " + path + ": directory " + parent + " does not exist");
            }
            if (!Files.isWritable(parent)) {
                throw new IOException("cannot create " + path + ": directory " + parent + " is not writable");
            }
            if (!create) {
                return null;
            }
        } else if (Files.isDirectory(path)) {
            throw new IOException(path + " is a directory, not a file or block device");
        }
        RandomAccessFile raf;
        try {
            raf = new RandomAccessFile(path.toFile(), cfg.readOnly() ? "r" : "rw");
        } catch (FileNotFoundException e) {
            throw new IOException("cannot open " + path
                    + (cfg.readOnly() ? " for reading: " : " for reading and writing: ") + reason(e.getMessage(), path),
                    e);
        } catch (SecurityException e) {
            throw new IOException("cannot open " + path + ": " + e.getMessage(), e);
        }
        int fd = -1;
        try {
            Kind kind;
            long[] st = new long[7];
            int lbs = 0;
            int memAlign = 1;
            int offAlign = 1;
            boolean nowait = false;
            if (shim != null) {
                fd = shim.lib.kf_open(path.toString(), (cfg.readOnly() ? 0 : 1) | (cfg.direct() ? 2 : 0));
                if (fd < 0) {
                    int errno = -fd;
                    fd = -1;
                    if (errno == Errno.EINVAL && cfg.direct()) {
                        throw new IOException("the file system of " + path + " does not support direct I/O"
                                + " (O_DIRECT); set direct=false");
                    }
                    throw new IOException("cannot open " + path + ": " + shim.strerror(errno));
                }
                int rc = shim.lib.kf_stat(fd, st);
                if (rc < 0) {
                    throw new IOException("cannot inspect " + path + ": " + shim.strerror(-rc));
                }
                if (st[0] == 1) {
                    kind = Kind.REGULAR;
                } else if (st[0] == 2) {
                    kind = Kind.BLOCK;
                    lbs = (int) st[2];
                } else {
                    throw new IOException(path + " is neither a regular file nor a block device");
                }
                if (cfg.direct()) {
                    memAlign = st[5] > 0 ? (int) st[5] : Math.max(lbs, 512);
                    offAlign = st[6] > 0 ? (int) st[6] : Math.max(lbs, 512);
                } else {
                    nowait = shim.lib.kf_probe_nowait(fd) == 1;
                }
            } else {
                if (!Files.isRegularFile(path)) {
                    throw new IOException(path + " is not a regular file; block devices need the native shim, which"
                            + " is not loaded");
                }
                kind = Kind.REGULAR;
                if (cfg.direct()) {
                    // the threads engine opens its own O_DIRECT channel and checks alignment there
                    memAlign = 512;
                    offAlign = 512;
                }
            }
            if (cfg.direct() && cfg.blockSize() % offAlign != 0) {
                throw new IOException("block_size " + cfg.blockSize() + " is smaller than the " + offAlign
                        + "-byte alignment direct I/O needs on " + path
                        + (kind == Kind.BLOCK ? " (its logical block size is " + lbs + ")" : "")
                        + "; use block_size " + offAlign + " or direct=false");
            }
            if (kind == Kind.BLOCK && cfg.size() != -1 && !create) {
                throw new IOException("size cannot be set for block device " + path + " (it has its own size)");
            }
            BackingFile file = new BackingFile(path, kind, cfg.readOnly(), cfg.direct(), raf, fd, lbs,
                    Math.max(memAlign, 1), Math.max(offAlign, 1), nowait, shim);
            if (kind == Kind.REGULAR && cfg.size() != -1 && create && raf.length() < cfg.size()) {
                raf.setLength(cfg.size());
            }
            long size = file.size();
            long usable = kind == Kind.REGULAR && cfg.size() != -1 ? cfg.size() : size;
            if (usable / cfg.blockSize() == 0) {
                throw new IOException(path + " holds " + size + " bytes, less than one block of " + cfg.blockSize()
                        + (kind == Kind.REGULAR ? " (give a size to extend it)" : ""));
            }
            return file;
        } catch (IOException | RuntimeException e) {
            if (fd >= 0) {
                shim.lib.kf_close(fd);
            }
            try {
                raf.close();
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw e;
        }
    }

    private static String reason(String message, Path path) {
        if (message == null) {
            return "unknown error";
        }
        // FileNotFoundException says "<path> (Permission denied)"
        int open = message.lastIndexOf('(');
        if (open >= 0 && message.endsWith(")")) {
            return message.substring(open + 1, message.length() - 1);
        }
        return message.replace(path.toString(), "").trim();
    }

    /** Current size in bytes (a block device's size is asked of the kernel). */
    long size() throws IOException {
        if (kind == Kind.BLOCK) {
            long[] st = new long[7];
            int rc = shim.lib.kf_stat(fd, st);
            if (rc < 0) {
                throw new IOException("cannot read the size of " + path + ": " + shim.strerror(-rc));
            }
            return st[1];
        }
        return raf.length();
    }

    /** Truncates or extends (sparsely) a regular file. */
    void setLength(long bytes) throws IOException {
        raf.setLength(bytes);
    }

    /** fallocate through the shim; -EOPNOTSUPP without it. */
    int fallocate(int mode, long offset, long length) {
        if (shim == null || fd < 0) {
            return -Errno.EOPNOTSUPP;
        }
        return shim.lib.kf_fallocate(fd, mode, offset, length);
    }

    /** Writes {@code length} zero bytes at {@code offset} from a buffer of zeroes. */
    void writeZeroes(ByteBuffer zeroes, long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeroes.capacity(), length - done);
            ByteBuffer b = zeroes.duplicate().clear().limit(n);
            while (b.hasRemaining()) {
                done += channel.write(b, offset + done);
            }
        }
    }

    /** Makes completed writes durable: fdatasync(2), through FileChannel.force(false). */
    void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        if (fd >= 0) {
            shim.lib.kf_close(fd);
        }
        raf.close();
    }
}
