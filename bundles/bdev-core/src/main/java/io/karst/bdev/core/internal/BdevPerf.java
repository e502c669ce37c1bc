package io.karst.bdev.core.internal;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A load generator on the bdev API (after SPDK's bdevperf): each worker thread keeps {@code queueDepth} requests in
 * flight on its own channel for a while and measures what completes. The {@code verify} workload writes a pattern
 * and reads it back, so it doubles as a data check from the shell.
 */
public final class BdevPerf {
    /** What each request does. */
    public enum Workload { READ, WRITE, RANDREAD, RANDWRITE, RANDRW, VERIFY }

    /** Parameters of a run. */
    public record Options(String bdev, Workload workload, int ioSize, int queueDepth, int threads, double seconds,
                          int readPercent) {
    }

    /** The outcome of a run. */
    public record Result(long ios, long bytes, long errors, long miscompares, double seconds, double meanMicros,
                         double p99Micros, double maxMicros) {
        public double iops() {
            return ios / seconds;
        }

        public double mibPerSecond() {
            return bytes / seconds / (1 << 20);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.0f IOPS, %.2f MiB/s, latency mean %.1f us p99 %.1f us max %.1f us,"
                    + " %d errors, %d miscompares (%d I/Os in %.1f s)", iops(), mibPerSecond(), meanMicros,
                    p99Micros, maxMicros, errors, miscompares, ios, seconds);
        }
    }

    private BdevPerf() {
    }

    /** Options from what an operator types: workload by name, I/O size with a unit ("4K"). */
    public static Options options(String bdev, String workload, int queueDepth, String ioSize, double seconds,
                                  int threads, int readPercent) {
        Workload w;
        try {
            w = Workload.valueOf(workload.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BdevException(BdevException.Reason.INVALID, "unknown workload '" + workload
                    + "' (read, write, randread, randwrite, randrw, verify)");
        }
        long size;
        try {
            size = io.karst.bdev.spi.Sizes.parse(ioSize);
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, e.getMessage());
        }
        if (size > 16 << 20) {
            throw new BdevException(BdevException.Reason.INVALID, "I/O size at most 16M");
        }
        return new Options(bdev, w, (int) size, queueDepth, threads, seconds, readPercent);
    }

    /** Told once a second while a run goes on: seconds so far, I/Os completed so far, I/Os per second lately. */
    @FunctionalInterface
    public interface Progress {
        void update(double seconds, long ios, double iops);
    }

    public static Result run(BdevRegistry registry, Options o) throws InterruptedException {
        return run(registry, o, null);
    }

    public static Result run(BdevRegistry registry, Options o, Progress progress) throws InterruptedException {
        if (o.queueDepth() < 1 || o.queueDepth() > 1024 || o.threads() < 1 || o.threads() > 64 || o.seconds() <= 0) {
            throw new BdevException(BdevException.Reason.INVALID, "queue depth 1..1024, threads 1..64, time > 0");
        }
        boolean writes = o.workload() != Workload.READ && o.workload() != Workload.RANDREAD;
        OpenOptions open = writes ? OpenOptions.frontend("bdev:perf") : OpenOptions.readOnly("bdev:perf");
        try (BdevDescriptor d = registry.open(o.bdev(), open)) {
            int bs = d.bdev().blockSize();
            if (o.ioSize() < bs || o.ioSize() % bs != 0) {
                throw new BdevException(BdevException.Reason.INVALID, "I/O size must be a multiple of the block size "
                        + bs);
            }
            long blocksPerIo = o.ioSize() / bs;
            long slots = (long) o.threads() * o.queueDepth();
            if (d.bdev().blockCount() < slots * blocksPerIo) {
                throw new BdevException(BdevException.Reason.INVALID, "bdev too small for " + slots + " requests of "
                        + o.ioSize() + " bytes");
            }
            List<Worker> workers = new ArrayList<>();
            long region = d.bdev().blockCount() / o.threads() / blocksPerIo * blocksPerIo;
            for (int t = 0; t < o.threads(); t++) {
                workers.add(new Worker(d, o, t * region, region, blocksPerIo));
            }
            long deadline = System.nanoTime() + (long) (o.seconds() * 1e9);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < workers.size(); t++) {
                Worker w = workers.get(t);
                Thread th = new Thread(() -> w.run(deadline), "karst-bdevperf-" + t);
                th.setDaemon(true);
                threads.add(th);
                th.start();
            }
            long start = System.nanoTime();
            long lastIos = 0;
            long lastNanos = start;
            for (Thread th : threads) {
                while (th.isAlive()) {
                    th.join(1000);
                    long now = System.nanoTime();
                    if (progress != null && th.isAlive() && now - lastNanos >= 900_000_000L) {
                        long ios = 0;
                        for (Worker w : workers) {
                            ios += w.completed;
                        }
                        progress.update((now - start) / 1e9, ios, (ios - lastIos) * 1e9 / (now - lastNanos));
                        lastIos = ios;
                        lastNanos = now;
                    }
                }
            }
            Histogram all = new Histogram(3_600_000_000_000L, 2);
            long ios = 0;
            long errors = 0;
            long miscompares = 0;
            double elapsed = 0;
            for (Worker w : workers) {
                if (w.failure != null) {
                    throw new BdevException(BdevException.Reason.FAILED, "bdev:perf worker failed: " + w.failure);
                }
                all.add(w.latency);
                ios += w.completed;
                errors += w.errors;
                miscompares += w.miscompares;
                elapsed = Math.max(elapsed, w.elapsedNanos / 1e9);
            }
            long bytes = (ios - errors) * o.ioSize();
            return new Result(ios, bytes, errors, miscompares, elapsed, all.getMean() / 1e3,
                    all.getValueAtPercentile(99) / 1e3, all.getMaxValue() / 1e3);
        }
    }

    /** One thread and its channel; completions from other threads come back through a queue. */
    private static final class Worker {
        private final IoChannel ch;
        private final Options o;
        private final long base;
        private final long region;
        private final long blocksPerIo;
        private final int bs;
        private final Slot[] slots;
        private final ArrayBlockingQueue<Slot> remote;
        private final Histogram latency = new Histogram(3_600_000_000_000L, 2);
        private Thread thread;
        private Slot localHead;
        long completed; // read racily for progress lines only
        long errors;
        long miscompares;
        long elapsedNanos;
        String failure;

        Worker(BdevDescriptor d, Options o, long base, long region, long blocksPerIo) {
            this.ch = d.openChannel();
            this.o = o;
            this.base = base;
            this.region = region;
            this.blocksPerIo = blocksPerIo;
            this.bs = d.bdev().blockSize();
            this.slots = new Slot[o.queueDepth()];
            this.remote = new ArrayBlockingQueue<>(o.queueDepth());
            int align = Math.max(8, d.bdev().requiredAlignment());
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(i, aligned(o.ioSize(), align));
            }
        }

        void run(long deadline) {
            thread = Thread.currentThread();
            long start = System.nanoTime();
            int outstanding = 0;
            try {
                for (Slot s : slots) {
                    submit(s);
                    outstanding++;
                }
                while (outstanding > 0) {
                    Slot s = localHead;
                    if (s != null) {
                        localHead = s.next;
                    } else {
                        s = remote.poll(30, TimeUnit.SECONDS);
                        if (s == null) {
                            failure = outstanding + " requests did not complete within 30 s";
                            return;
                        }
                    }
                    outstanding--;
                    account(s);
                    if (System.nanoTime() < deadline) {
                        submit(s);
                        outstanding++;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
            } finally {
                elapsedNanos = System.nanoTime() - start;
                ch.close();
            }
        }

        private void account(Slot s) {
            completed++;
            latency.recordValue(Math.max(1, Math.min(s.doneNanos - s.startNanos, 3_600_000_000_000L)));
            if (s.status != IoStatus.SUCCESS) {
                errors++;
                return;
            }
            if (s.verifying && !s.writing) {
                for (int i = 0; i < o.ioSize() / 8; i++) {
                    if (s.buf.getLong(i * 8) != pattern(s.seed, s.lba, i)) {
                        miscompares++;
                        break;
                    }
                }
            }
        }

        private void submit(Slot s) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            long ios = region / blocksPerIo;
            switch (o.workload()) {
                case READ, WRITE -> {
                    s.lba = base + (s.sequence++ * slots.length + s.index) % ios * blocksPerIo;
                    s.writing = o.workload() == Workload.WRITE;
                }
                case RANDREAD, RANDWRITE -> {
                    s.lba = base + rnd.nextLong(ios) * blocksPerIo;
                    s.writing = o.workload() == Workload.RANDWRITE;
                }
                case RANDRW -> {
                    s.lba = base + rnd.nextLong(ios) * blocksPerIo;
                    s.writing = rnd.nextInt(100) >= o.readPercent();
                }
                case VERIFY -> {
                    // each slot owns its stripe of the region: write a fresh pattern, then read it back
                    long per = ios / slots.length;
                    if (!s.writing || !s.verifying) {
                        s.lba = base + (s.index * per + rnd.nextLong(per)) * blocksPerIo;
                        s.seed = rnd.nextLong();
                        s.writing = true;
                    } else {
                        s.writing = false;
                    }
                    s.verifying = true;
                }
                default -> throw new IllegalStateException();
            }
            if (s.writing) {
                for (int i = 0; i < o.ioSize() / 8; i++) {
                    s.buf.putLong(i * 8, pattern(s.seed, s.lba, i));
                }
            }
            s.startNanos = System.nanoTime();
            if (s.writing) {
                ch.write(s.buf, s.lba, blocksPerIo, s);
            } else {
                ch.read(s.buf, s.lba, blocksPerIo, s);
            }
        }

        private static long pattern(long seed, long lba, int i) {
            long x = seed ^ (lba * 0x9E3779B97F4A7C15L) ^ (i * 0xC2B2AE3D27D4EB4FL);
            return x ^ (x >>> 29);
        }

        private static ByteBuffer aligned(int size, int alignment) {
            ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
            int off = raw.alignmentOffset(0, alignment);
            return raw.slice(off == 0 ? 0 : alignment - off, size);
        }

        private final class Slot implements IoCallback {
            final int index;
            final ByteBuffer buf;
            long sequence;
            long lba;
            long seed;
            boolean writing;
            boolean verifying;
            long startNanos;
            long doneNanos;
            IoStatus status;
            Slot next;

            Slot(int index, ByteBuffer buf) {
                this.index = index;
                this.buf = buf;
            }

            @Override
            public void ioComplete(IoStatus st) {
                doneNanos = System.nanoTime();
                status = st;
                if (Thread.currentThread() == thread) {
                    next = localHead;
                    localHead = this;
                } else {
                    remote.add(this);
                }
            }
        }
    }
}
