package io.karst.fuse.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One bdev shown as a file ({@code dev/<name>}): its opens and the descriptors they share. The bdev is opened when
 * the file is opened and closed with its last close, so a file nobody has open holds nothing: a virtual bdev can
 * still claim the bdev exclusively, and then a write-open of the file is refused with EBUSY. Read-only opens take no
 * claim; write-opens take the frontends' shared claim, so NBD or iSCSI may export the bdev at the same time.
 *
 * <p>Opens and closes are counted under the export's lock; I/O never takes it.
 */
final class Export {
    /** The holder name the bdev layer shows for the file's descriptors. */
    static String holderName(String bdev) {
        return "fuse file dev/" + bdev;
    }

    private final String name;
    private final BdevRegistry registry;
    private final int workers;
    private final Consumer<Export> onResize;

    private Handle readHandle;
    private Handle writeHandle;
    private int readOpens;
    private int writeOpens;

    final AtomicLong inFlight = new AtomicLong();
    final AtomicLong maxInFlight = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    final AtomicLong flushes = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong opensTotal = new AtomicLong();
    final AtomicLong refusedOpens = new AtomicLong();
    /** Writes that do not cover whole blocks: read-modify-write, one at a time. */
    final PartialWrites partialWrites = new PartialWrites((req, status) -> req.ioComplete(status));

    Export(String name, BdevRegistry registry, int workers, Consumer<Export> onResize) {
        this.name = name;
        this.registry = registry;
        this.workers = workers;
        this.onResize = onResize;
    }

    String name() {
        return name;
    }

    /** An open refused by the bdev layer, with the errno the client gets. */
    static final class OpenRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        OpenRefused(int errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /**
     * Opens the file: shares the export's descriptor for this access, opening the bdev for the first open.
     *
     * @throws OpenRefused EROFS (read-only bdev), EBUSY (another holder's claim forbids writing), ENOENT, ENODEV
     */
    synchronized Handle open(boolean writable) throws OpenRefused {
        Handle h = writable ? writeHandle : readHandle;
        if (h == null || h.closed) {
            h = new Handle(openDescriptor(writable));
            if (writable) {
                writeHandle = h;
            } else {
                readHandle = h;
            }
        }
        h.refs++;
        if (writable) {
            writeOpens++;
        } else {
            readOpens++;
        }
        opensTotal.incrementAndGet();
        return h;
    }

    /** Closes one open of the file; the last close of an access closes the bdev descriptor. */
    synchronized void release(Handle h) {
        boolean writable = h == writeHandle || h.writable;
        if (writable) {
            writeOpens--;
        } else {
            readOpens--;
        }
        if (--h.refs == 0) {
            h.close();
            if (h == writeHandle) {
                writeHandle = null;
            } else if (h == readHandle) {
                readHandle = null;
            }
        }
    }

    synchronized int readOpens() {
        return readOpens;
    }

    synchronized int writeOpens() {
        return writeOpens;
    }

    /** Counts an I/O taken from the kernel; keeps the high-water mark. */
    void started() {
        long now = inFlight.incrementAndGet();
        long max = maxInFlight.get();
        while (now > max && !maxInFlight.compareAndSet(max, now)) {
            max = maxInFlight.get();
        }
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    void resetMaxInFlight() {
        maxInFlight.set(inFlight.get());
    }

    private BdevDescriptor openDescriptor(boolean writable) throws OpenRefused {
        OpenOptions options = new OpenOptions(holderName(name), writable,
                writable ? ClaimType.READ_MANY_WRITE_SHARED : ClaimType.NONE,
                writable ? OpenOptions.FRONTEND_SHARED_KEY : null, this::onEvent);
        try {
            return registry.open(name, options);
        } catch (BdevException e) {
            refusedOpens.incrementAndGet();
            int errno = switch (e.reason()) {
                case READ_ONLY -> Errno.EROFS;
                case CLAIMED -> Errno.EBUSY;
                case NOT_FOUND -> Errno.ENOENT;
                case REMOVED -> Errno.ENODEV;
                default -> Errno.EIO;
            };
            throw new OpenRefused(errno, e.getMessage());
        }
    }

    private void onEvent(BdevEvent event, Bdev bdev, BdevDescriptor descriptor) {
        if (event == BdevEvent.REMOVE) {
            // outstanding I/O completes; new I/O on the closed channels fails with REMOVED (EIO/ENODEV to clients)
            descriptor.close();
            synchronized (this) {
                if (readHandle != null && readHandle.descriptor == descriptor) {
                    readHandle.closed = true;
                }
                if (writeHandle != null && writeHandle.descriptor == descriptor) {
                    writeHandle.closed = true;
                }
            }
        } else if (event == BdevEvent.RESIZE && onResize != null) {
            onResize.accept(this);
        }
    }

    /**
     * A descriptor shared by the opens of one access, with one I/O channel per worker thread (opened by that thread
     * on its first I/O, used only by it).
     */
    final class Handle {
        final BdevDescriptor descriptor;
        final boolean writable;
        private final IoChannel[] channels;
        int refs;
        volatile boolean closed;

        private Handle(BdevDescriptor descriptor) {
            this.descriptor = descriptor;
            this.writable = descriptor.writable();
            this.channels = new IoChannel[workers];
        }

        Export export() {
            return Export.this;
        }

        Bdev bdev() {
            return descriptor.bdev();
        }

        /** The calling worker's channel; null when the descriptor has been closed (the bdev went away). */
        IoChannel channel(int worker) {
            IoChannel ch = channels[worker];
            if (ch == null) {
                if (closed || descriptor.isClosed()) {
                    return null;
                }
                try {
                    ch = descriptor.openChannel();
                } catch (RuntimeException e) {
                    return null;
                }
                channels[worker] = ch;
            }
            return ch;
        }

        private void close() {
            closed = true;
            descriptor.close();
        }
    }
}
