package io.karst.bdev.file.internal;

import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.DeviceChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The fallback engine: a few threads doing positional {@link FileChannel} reads and writes, used where io_uring
 * cannot be set up (or with {@code engine=threads}). All channels of a device share its queue; requests never
 * allocate (the queue is an array). Callers' buffer positions are moved during a transfer and restored before
 * the completion.
 */
final class ThreadsEngine {
    private static final int QUEUE = 4096;

    private final FileBdev device;
    private final BackingFile file;
    private final FileChannel data;
    private final boolean ownData;
    private final ArrayBlockingQueue<BdevIo> queue = new ArrayBlockingQueue<>(QUEUE);
    private final List<Thread> workers = new ArrayList<>();
    private final BdevIo stopMarker;
    private final DeviceChannel channel = new Channel();
    private volatile boolean closed;
    private volatile boolean exited;
    private int running;

    private ThreadsEngine(FileBdev device, BackingFile file, FileChannel data, boolean ownData, int threadCount) {
        this.device = device;
        this.file = file;
        this.data = data;
        this.ownData = ownData;
        this.stopMarker = new StopMarker();
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::work, "karst-file-" + device.name() + "-io" + (i + 1));
            t.setDaemon(true);
            workers.add(t);
        }
        running = threadCount;
    }

    static ThreadsEngine open(FileBdev device, BackingFile file, FileBdevConfig config) throws IOException {
        FileChannel data = file.channel;
        boolean own = false;
        if (config.direct()) {
            data = openDirect(file, config);
            own = true;
        }
        int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ThreadsEngine engine = new ThreadsEngine(device, file, data, own, threads);
        for (Thread t : engine.workers) {
            t.start();
        }
        return engine;
    }

    /** Checks that the JDK can do direct I/O on the file with this block size. */
    static OpenOption checkDirect(Path path, int blockSize) throws IOException {
        long align;
        OpenOption direct;
        try {
            direct = com.sun.nio.file.ExtendedOpenOption.DIRECT;
            align = Files.getFileStore(path).getBlockSize();
        } catch (LinkageError | UnsupportedOperationException e) {
            throw new IOException("direct=true with the threads engine needs com.sun.nio.file.ExtendedOpenOption"
                    + " (jdk.unsupported), which is not available: " + e);
        }
        if (blockSize % align != 0) {
            throw new IOException("direct=true with the threads engine needs block_size to be a multiple of "
                    + align + " (the block size of the file system of " + path + ")");
        }
        return direct;
    }

    private static FileChannel openDirect(BackingFile file, FileBdevConfig config) throws IOException {
        OpenOption direct = checkDirect(file.path, config.blockSize());
        try {
            return config.readOnly() ? FileChannel.open(file.path, StandardOpenOption.READ, direct)
                    : FileChannel.open(file.path, StandardOpenOption.READ, StandardOpenOption.WRITE, direct);
        } catch (IOException e) {
            throw new IOException("cannot open " + file.path + " for direct I/O: " + e.getMessage(), e);
        }
    }

    DeviceChannel channel() {
        return channel;
    }

    private void submit(BdevIo io) {
        IoType type = io.type();
        if (type != IoType.READ && type != IoType.WRITE) {
            device.control(io);
            return;
        }
        if (closed) {
            FileBdev.complete(io, IoStatus.REMOVED);
            return;
        }
        if (!queue.offer(io)) {
            FileBdev.complete(io, IoStatus.NO_MEMORY);
            return;
        }
        if (exited) {
            drain();
        }
    }

    private void work() {
        try {
            for (;;) {
                BdevIo io = queue.take();
                if (io == stopMarker) {
                    break;
                }
                FileBdev.complete(io, run(io));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                if (--running == 0) {
                    exited = true;
                }
            }
            if (exited) {
                drain();
            }
        }
    }

    private void drain() {
        BdevIo io;
        while ((io = queue.poll()) != null) {
            if (io != stopMarker) {
                FileBdev.complete(io, IoStatus.REMOVED);
            }
        }
    }

    private IoStatus run(BdevIo io) {
        long pos = io.offsetBytes();
        ByteBuffer[] iov = io.iov();
        boolean write = io.type() == IoType.WRITE;
        try {
            for (ByteBuffer b : iov) {
                int start = b.position();
                try {
                    while (b.hasRemaining()) {
                        int n = write ? data.write(b, pos) : data.read(b, pos);
                        if (n < 0) {
                            // end of file inside the device: the rest reads as zeroes
                            while (b.hasRemaining()) {
                                b.put((byte) 0);
                            }
                            break;
                        }
                        pos += n;
                    }
                } finally {
                    b.position(start);
                }
            }
            if (write && (io.flags() & IoChannel.FUA) != 0) {
                data.force(false);
            }
            return IoStatus.SUCCESS;
        } catch (ClosedChannelException e) {
            return IoStatus.REMOVED;
        } catch (IOException e) {
            return statusOf(e, file);
        } catch (IllegalArgumentException e) {
            return IoStatus.INVALID;
        }
    }

    /** The status of a failed FileChannel transfer. Java hides the errno, so ENOSPC is recognised by its text. */
    static IoStatus statusOf(IOException e, BackingFile file) {
        String m = e.getMessage();
        if (m != null && (m.contains("No space left") || m.contains("Disk quota exceeded"))) {
            return IoStatus.NO_SPACE;
        }
        try {
            if (file.kind == BackingFile.Kind.REGULAR && Files.getFileStore(file.path).getUsableSpace() == 0) {
                return IoStatus.NO_SPACE;
            }
        } catch (IOException ignored) {
            // fall through
        }
        return IoStatus.FAILED;
    }

    /** Stops the workers after the queued requests; waits for them. */
    void close() {
        closed = true;
        try {
            for (int i = 0; i < workers.size(); i++) {
                queue.put(stopMarker);
            }
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownData) {
            try {
                data.close();
            } catch (IOException ignored) {
                // nothing to report
            }
        }
    }

    /** Every channel of the device is this one object: the engine has no per-thread state. */
    private final class Channel implements DeviceChannel {
        @Override
        public void submit(BdevIo io) {
            ThreadsEngine.this.submit(io);
        }
    }
}
