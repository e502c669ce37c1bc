package io.karst.bench;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.core.internal.BdevRegistryImpl;
import io.karst.bdev.file.internal.FileBdev;
import io.karst.bdev.file.internal.FileBdevConfig;
import io.karst.bdev.file.internal.FileShim;
import io.karst.bdev.file.internal.RingMode;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.spi.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 4 KiB random reads and writes at queue depth 32 on a file bdev, the way fio's randread/randwrite jobs do them:
 * the same file, the same I/O size and depth. By default through the bdev core's channel (validation, statistics
 * and request pooling included, the path every frontend takes); {@code via=device} drives the module's channel
 * directly. Each completion submits the next request from the completing thread.
 *
 * <p>Score = IOPS (ops/s). The file is used as it is when it exists with the right size (fill it first to compare
 * with fio on the same data, as {@code file-vs-fio.sh} does); otherwise it is created sparse.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class FileBdevRandomIo {
    /** Requests per benchmark invocation. */
    public static final int OPS = 1 << 16;

    @Param("/dev/shm/karst-bench.img")
    public String file;
    @Param("1G")
    public String size;
    @Param("auto")
    public String engine;
    @Param("false")
    public boolean direct;
    @Param("32")
    public int queueDepth;
    @Param("4096")
    public int ioSize;
    @Param("4096")
    public int blockSize;
    @Param("core")
    public String via;
    /** io_uring ring mode: auto (chosen per file), inline or owned. */
    @Param("auto")
    public String ringMode;

    private FileBdev bdev;
    private BdevRegistryImpl registry;
    private BdevDescriptor descriptor;
    private IoChannel channel;
    private DeviceChannel deviceChannel;
    private ClosedLoop loop;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path nativeDir = Files.createTempDirectory("karst-bench-native");
        FileShim shim = FileShim.extractAndLoad(nativeDir);
        long bytes = Sizes.parse(size);
        RingMode mode = ringMode.equals("auto") ? null : RingMode.valueOf(ringMode.toUpperCase(Locale.ROOT));
        bdev = FileBdev.open(new FileBdevConfig("Bench0", UUID.randomUUID(), Path.of(file), blockSize, bytes, direct,
                false, FileBdevConfig.Engine.valueOf(engine.toUpperCase(Locale.ROOT))), shim, 128, mode);
        long blocks = bytes / blockSize;
        if (ClosedLoop.Via.valueOf(via.toUpperCase(Locale.ROOT)) == ClosedLoop.Via.CORE) {
            registry = new BdevRegistryImpl();
            registry.addDevice(bdev);
            descriptor = registry.open("Bench0", OpenOptions.readWrite("jmh"));
            channel = descriptor.openChannel();
            loop = new ClosedLoop(channel, queueDepth, ioSize, blockSize, blocks, 42);
        } else {
            deviceChannel = bdev.openChannel();
            loop = new ClosedLoop(deviceChannel, queueDepth, ioSize, blockSize, blocks, 42);
        }
        if (!Boolean.getBoolean("karst.bench.quiet")) {
            System.out.println("# file bdev " + bdev.driverInfo() + ", via " + via
                    + (shim.uringAvailable() ? "" : " (" + shim.uringUnavailableReason() + ")"));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (channel != null) {
            channel.close();
            descriptor.close();
            registry.removeDevice(bdev);
        }
        if (deviceChannel != null) {
            deviceChannel.close();
        }
        bdev.close();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long randRead() {
        return check(loop.run(false, OPS));
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long randWrite() {
        return check(loop.run(true, OPS));
    }

    private long check(long errors) {
        if (errors != 0) {
            throw new IllegalStateException(errors + " requests failed, first with " + loop.firstError());
        }
        return errors;
    }
}
