package io.karst.bench;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.core.internal.BdevRegistryImpl;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.spi.Sizes;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Submit/complete throughput of the bdev layer on a RAM bdev: 4 KiB reads through the core's channel (validation,
 * request pooling, statistics, completion callback) into a direct buffer, from 1 and from 2 threads, each with its
 * own channel. A malloc read completes on the submitting thread, so one call is one whole I/O.
 *
 * <p>{@code copyOnly} does the same memory copies without the layer (4 KiB from the same chunked off-heap memory
 * into a direct buffer): Karst's figure over it is the layer's efficiency; bytes per second over the machine's
 * memcpy bandwidth ({@code limits.sh}) is the fraction of the hardware limit. Score = I/Os per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:MaxDirectMemorySize=4g"})
public class MallocSubmitComplete {
    /** Requests per benchmark invocation. */
    static final int OPS = 1024;
    private static final int CHUNK = 1 << 20;

    @Param("1G")
    public String size;
    @Param("4096")
    public int ioSize;
    /** {@code random} offsets (cache- and TLB-cold like block traffic) or {@code sequential}. */
    @Param({"random", "sequential"})
    public String pattern;

    private BdevRegistryImpl registry;
    private MallocBdev device;
    private BdevDescriptor descriptor;
    private ByteBuffer[] rawChunks;
    long ios;

    @Setup
    public void setUp() {
        long bytes = Sizes.parse(size);
        registry = new BdevRegistryImpl();
        device = new MallocBdev("Bench0", UUID.randomUUID(), 512, bytes / 512);
        registry.addDevice(device);
        descriptor = registry.open("Bench0", OpenOptions.frontend("jmh"));
        rawChunks = new ByteBuffer[(int) (bytes / CHUNK)];
        for (int i = 0; i < rawChunks.length; i++) {
            rawChunks[i] = ByteBuffer.allocateDirect(CHUNK);
        }
        ios = bytes / ioSize;
    }

    @TearDown
    public void tearDown() {
        descriptor.close();
        registry.removeDevice(device);
        device.destroy();
    }

    /** One submitting thread: its channel, its buffer, its offsets. */
    @State(Scope.Thread)
    public static class Submitter implements IoCallback {
        IoChannel channel;
        ByteBuffer buffer;
        long blocksPerIo;
        long ios;
        long next;
        long seed;
        boolean random;
        long completed;
        long failed;

        @Setup
        public void setUp(MallocSubmitComplete bench) {
            channel = bench.descriptor.openChannel();
            buffer = ByteBuffer.allocateDirect(bench.ioSize);
            blocksPerIo = bench.ioSize / 512;
            ios = bench.ios;
            random = bench.pattern.equals("random");
            seed = System.nanoTime() | 1;
            next = (Thread.currentThread().getId() * 7919) % ios;
        }

        @TearDown
        public void tearDown() {
            channel.close();
            if (failed != 0) {
                throw new IllegalStateException(failed + " failed reads");
            }
        }

        long nextIo() {
            if (random) {
                long x = seed;
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                seed = x;
                return (x >>> 1) % ios;
            }
            long n = next;
            next = n + 1 == ios ? 0 : n + 1;
            return n;
        }

        @Override
        public void ioComplete(IoStatus status) {
            completed++;
            if (status != IoStatus.SUCCESS) {
                failed++;
            }
        }
    }

    private static void read(Submitter s) {
        for (int i = 0; i < OPS; i++) {
            s.channel.read(s.buffer, s.nextIo() * s.blocksPerIo, s.blocksPerIo, s);
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(OPS)
    public void read1Thread(Submitter s) {
        read(s);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(OPS)
    public void read2Threads(Submitter s) {
        read(s);
    }

    /** The copies alone, without the bdev layer: the reference for the layer's cost. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(OPS)
    public void copyOnly1Thread(Submitter s) {
        int perChunk = CHUNK / ioSize;
        for (int i = 0; i < OPS; i++) {
            long io = s.nextIo();
            s.buffer.put(0, rawChunks[(int) (io / perChunk)], (int) (io % perChunk) * ioSize, ioSize);
        }
    }
}
