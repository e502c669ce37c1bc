package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.DeviceChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The device: properties, UNMAP and WRITE_ZEROES, resize, engine choice, direct I/O and errors opening files. */
class FileBdevTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;
    private final List<FileBdev> devices = new ArrayList<>();
    private final List<Path> shmFiles = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        devices.forEach(FileBdev::close);
        for (Path p : shmFiles) {
            Files.deleteIfExists(p);
        }
    }

    private FileBdev open(FileBdevConfig cfg, FileShim shim) throws IOException {
        FileBdev b = FileBdev.open(cfg, shim);
        devices.add(b);
        return b;
    }

    private FileBdevConfig cfg(Path file, long size, FileBdevConfig.Engine engine) {
        return TestShim.config("F" + devices.size(), file, BS, size, engine);
    }

    /** A file in /dev/shm (tmpfs), removed after the test. */
    private Path shm(String name) {
        Path p = Path.of("/dev/shm", "karst-file-test-" + ProcessHandle.current().pid() + "-" + name);
        shmFiles.add(p);
        return p;
    }

    @Test
    void reportsWhatItIs() throws Exception {
        FileBdev b = open(new FileBdevConfig("Props", UUID.fromString("8b5d5f8c-5c1a-4fb3-9d0e-3d6f0cf2f0a1"),
                dir.resolve("p.img"), 512, 1 << 20, false, false, FileBdevConfig.Engine.AUTO), TestShim.get());
        BdevProperties p = b.properties();
        assertThat(p.name()).isEqualTo("Props");
        assertThat(p.uuid()).isEqualTo(UUID.fromString("8b5d5f8c-5c1a-4fb3-9d0e-3d6f0cf2f0a1"));
        assertThat(p.module()).isEqualTo("file");
        assertThat(p.blockSize()).isEqualTo(512);
        assertThat(p.blockCount()).isEqualTo(2048);
        assertThat(p.ioTypes()).containsExactlyInAnyOrder(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP,
                IoType.WRITE_ZEROES);
        assertThat(p.writeCache()).isTrue();
        assertThat(p.nativeFua()).isTrue();
        assertThat(p.readOnly()).isFalse();
        assertThat(p.requiredAlignment()).isEqualTo(1);
        assertThat(b.driverInfo()).containsEntry("filename", dir.resolve("p.img").toString())
                .containsEntry("kind", "file").containsEntry("direct", "false").containsKey("engine");
        assertThat(Files.size(dir.resolve("p.img"))).isEqualTo(1 << 20);
        assertThat(Sys.allocated(dir.resolve("p.img"))).as("created sparse").isLessThan(1 << 20);
    }

    @Test
    void readOnlyDevicesOnlyRead() throws Exception {
        Path f = dir.resolve("ro.img");
        Files.write(f, new byte[64 * 1024]);
        FileBdev b = open(new FileBdevConfig("Ro", null, f, 512, -1, false, true, FileBdevConfig.Engine.AUTO),
                TestShim.get());
        assertThat(b.properties().readOnly()).isTrue();
        assertThat(b.properties().ioTypes()).containsExactlyInAnyOrder(IoType.READ, IoType.FLUSH);
        assertThat(b.properties().blockCount()).isEqualTo(128);
        assertThat(TestIo.read(0, 1, 512, ByteBuffer.allocate(512)).run(b.openChannel())).isEqualTo(IoStatus.SUCCESS);
        assertThatThrownBy(() -> b.resize(1 << 20)).hasMessageContaining("read-only");
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"tmp", "shm"})
    void unmapPunchesHolesThatReadAsZeroes(String where) throws Exception {
        Path f = where.equals("shm") ? shm("unmap.img") : dir.resolve("unmap.img");
        FileBdev b = open(cfg(f, 16 << 20, FileBdevConfig.Engine.AUTO), TestShim.get());
        assertThat(b.properties().unmapReadsZeroes()).isTrue();
        assertThat(b.driverInfo()).containsEntry("unmap", "punch_hole");
        DeviceChannel ch = b.openChannel();
        ByteBuffer data = TestIo.fill(TestIo.aligned(1 << 20), 5);
        assertThat(TestIo.write(256, 256, BS, data).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(TestIo.of(IoType.FLUSH, 0, 0, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
        long before = Sys.allocated(f);
        assertThat(before).isGreaterThanOrEqualTo(1 << 20);
        assertThat(TestIo.of(IoType.UNMAP, 256, 192, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(Sys.allocated(f)).as("allocated after unmapping 768 KiB").isLessThanOrEqualTo(before - (700 << 10));
        ByteBuffer r = TestIo.aligned(1 << 20);
        assertThat(TestIo.read(256, 256, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        for (int i = 0; i < 192 * BS; i++) {
            if (r.get(i) != 0) {
                throw new AssertionError("byte " + i + " of the unmapped range is not zero");
            }
        }
        assertThat(r.slice(192 * BS, 64 * BS)).isEqualTo(data.slice(192 * BS, 64 * BS));
        assertThat(Files.size(f)).as("size kept").isEqualTo(16 << 20);
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"tmp", "shm"})
    void writeZeroesZeroesTheRange(String where) throws Exception {
        Path f = where.equals("shm") ? shm("zero.img") : dir.resolve("zero.img");
        FileBdev b = open(cfg(f, 8 << 20, FileBdevConfig.Engine.AUTO), TestShim.get());
        DeviceChannel ch = b.openChannel();
        ByteBuffer data = TestIo.fill(TestIo.aligned(64 * BS), 6);
        assertThat(TestIo.write(0, 64, BS, data).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(TestIo.of(IoType.WRITE_ZEROES, 8, 32, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer r = TestIo.aligned(64 * BS);
        assertThat(TestIo.read(0, 64, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(r.slice(0, 8 * BS)).isEqualTo(data.slice(0, 8 * BS));
        assertThat(r.slice(8 * BS, 32 * BS)).isEqualTo(ByteBuffer.allocate(32 * BS));
        assertThat(r.slice(40 * BS, 24 * BS)).isEqualTo(data.slice(40 * BS, 24 * BS));
        // tmpfs has no ZERO_RANGE: the device falls back to punching a hole
        assertThat(b.driverInfo().get("write_zeroes")).isIn("zero_range", "punch_hole");
        if (where.equals("shm")) {
            assertThat(b.driverInfo()).containsEntry("write_zeroes", "punch_hole");
        }
    }

    @Test
    void withoutTheShimOnlyTheThreadsEngineAndNoHoles() throws Exception {
        Path f = dir.resolve("noshim.img");
        FileBdev b = open(cfg(f, 4 << 20, FileBdevConfig.Engine.AUTO), null);
        assertThat(b.engine()).isEqualTo(FileBdevConfig.Engine.THREADS);
        assertThat(b.properties().unmapReadsZeroes()).as("no fallocate, so no claim of zeroes").isFalse();
        assertThat(b.driverInfo()).containsEntry("unmap", "none").containsEntry("write_zeroes", "write");
        DeviceChannel ch = b.openChannel();
        ByteBuffer data = TestIo.fill(ByteBuffer.allocate(16 * BS), 8);
        assertThat(TestIo.write(0, 16, BS, data).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(TestIo.of(IoType.UNMAP, 0, 4, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(TestIo.of(IoType.WRITE_ZEROES, 8, 4, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer r = ByteBuffer.allocate(16 * BS);
        assertThat(TestIo.read(0, 16, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(r.slice(0, 8 * BS)).as("unmap left the data").isEqualTo(data.slice(0, 8 * BS));
        assertThat(r.slice(8 * BS, 4 * BS)).isEqualTo(ByteBuffer.allocate(4 * BS));
        assertThatThrownBy(() -> FileBdev.open(cfg(f, 4 << 20, FileBdevConfig.Engine.URING), null))
                .hasMessageContaining("engine=uring needs the native shim");
    }

    @Test
    void autoFallsBackToThreadsWhenIoUringCannotBeSetUp() throws Exception {
        FileShim noUring = TestShim.get().withoutUring("io_uring cannot be set up: Operation not permitted (errno 1)");
        FileBdev b = open(cfg(dir.resolve("auto.img"), 1 << 20, FileBdevConfig.Engine.AUTO), noUring);
        assertThat(b.engine()).isEqualTo(FileBdevConfig.Engine.THREADS);
        assertThat(b.driverInfo()).containsEntry("engine", "threads (auto)");
        assertThat(TestIo.write(0, 1, BS, TestIo.aligned(BS)).run(b.openChannel())).isEqualTo(IoStatus.SUCCESS);
        assertThatThrownBy(() -> FileBdev.open(cfg(dir.resolve("uring.img"), 1 << 20, FileBdevConfig.Engine.URING),
                noUring)).hasMessage("engine=uring, but io_uring cannot be set up: Operation not permitted (errno 1);"
                + " use engine=auto or engine=threads");
    }

    @ParameterizedTest
    @EnumSource(value = FileBdevConfig.Engine.class, names = {"URING", "THREADS"})
    void resizeTellsTheHostInTheRightOrder(FileBdevConfig.Engine engine) throws Exception {
        assumeTrue(engine != FileBdevConfig.Engine.URING || TestShim.get().uringAvailable());
        Path f = dir.resolve("resize.img");
        FileBdev b = open(cfg(f, 1 << 20, engine), TestShim.get());
        List<String> events = new ArrayList<>();
        b.attach(new BdevHost() {
            @Override
            public void resized(long newBlockCount) {
                try {
                    events.add(newBlockCount + " blocks, file " + Files.size(f));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        });
        assertThat(b.resize(4 << 20)).isEqualTo(1024);
        assertThat(b.properties().blockCount()).isEqualTo(1024);
        DeviceChannel ch = b.openChannel();
        ByteBuffer w = TestIo.fill(TestIo.aligned(BS), 3);
        assertThat(TestIo.write(1000, 1, BS, w).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(b.resize(2 << 20)).isEqualTo(512);
        assertThat(Files.size(f)).isEqualTo(2 << 20);
        // growing: the blocks exist before the host hears of them; shrinking: the host hears first
        assertThat(events).containsExactly("1024 blocks, file " + (4 << 20), "512 blocks, file " + (4 << 20));
        assertThat(b.resize(2 << 20)).isEqualTo(512);
        assertThat(events).hasSize(2);
        assertThatThrownBy(() -> b.resize(1000)).hasMessageContaining("multiple of the block size");
    }

    @ParameterizedTest
    @EnumSource(value = FileBdevConfig.Engine.class, names = {"URING", "THREADS"})
    void directIoWithAlignedAndHeapBuffers(FileBdevConfig.Engine engine) throws Exception {
        assumeTrue(engine != FileBdevConfig.Engine.URING || TestShim.get().uringAvailable());
        FileBdev b;
        try {
            b = open(new FileBdevConfig("Direct", null, dir.resolve("direct.img"), BS, 4 << 20, true, false, engine),
                    TestShim.get());
        } catch (IOException e) {
            assumeTrue(!e.getMessage().contains("does not support direct I/O"), e.getMessage());
            throw e;
        }
        assertThat(b.properties().requiredAlignment()).isGreaterThan(1);
        assertThat(b.driverInfo()).containsEntry("direct", "true");
        if (engine == FileBdevConfig.Engine.URING) {
            assertThat(b.driverInfo()).containsEntry("ring_mode", "owned");
        }
        DeviceChannel ch = b.openChannel();
        ByteBuffer w = TestIo.fill(TestIo.aligned(8 * BS), 12);
        assertThat(TestIo.write(8, 8, BS, w).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer heap = ByteBuffer.allocate(8 * BS);
        assertThat(TestIo.read(8, 8, BS, heap).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(heap.rewind()).isEqualTo(w);
        ByteBuffer heapWrite = TestIo.fill(ByteBuffer.allocate(2 * BS), 13);
        assertThat(TestIo.write(100, 2, BS, heapWrite).run(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer r = TestIo.aligned(2 * BS);
        assertThat(TestIo.read(100, 2, BS, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
        assertThat(r).isEqualTo(heapWrite);
        assertThat(TestIo.of(IoType.FLUSH, 0, 0, BS).run(ch)).isEqualTo(IoStatus.SUCCESS);
    }

    @Test
    void openingErrorsSayWhatIsWrong() throws Exception {
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> FileBdev.open(cfg(missing, -1, FileBdevConfig.Engine.AUTO), TestShim.get()))
                .isInstanceOf(IOException.class)
                .hasMessage(missing + " does not exist (give a size to create a file)");
        assertThat(missing).doesNotExist();
        assertThatThrownBy(() -> FileBdev.open(cfg(dir, -1, FileBdevConfig.Engine.AUTO), TestShim.get()))
                .hasMessage(dir + " is a directory, not a file or block device");
        assertThatThrownBy(() -> FileBdev.open(cfg(dir.resolve("no/such/dir/f.img"), 1 << 20,
                FileBdevConfig.Engine.AUTO), TestShim.get()))
                .hasMessageContaining("directory " + dir.resolve("no/such/dir") + " does not exist");
        Path empty = Files.createFile(dir.resolve("empty.img"));
        assertThatThrownBy(() -> FileBdev.open(cfg(empty, -1, FileBdevConfig.Engine.AUTO), TestShim.get()))
                .hasMessageContaining("holds 0 bytes, less than one block of 4096");
        assertThatThrownBy(() -> FileBdev.open(new FileBdevConfig("Ro", null, missing, 512, 1 << 20, false, true,
                FileBdevConfig.Engine.AUTO), TestShim.get())).hasMessageContaining("read-only bdev does not create");
        assertThatThrownBy(() -> TestShim.config("X", dir.resolve("x.img"), 1000, -1, FileBdevConfig.Engine.AUTO))
                .hasMessageContaining("block_size must be a power of two");
        assertThatThrownBy(() -> TestShim.config("X", dir.resolve("x.img"), 4096, 5000, FileBdevConfig.Engine.AUTO))
                .hasMessageContaining("size must be a positive multiple of block_size 4096");
    }

    @Test
    void aReadOnlyFileSystemIsReportedPlainly() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("ro-mnt"));
        Sys.mountTmpfs(mnt, "4m");
        try {
            Files.write(mnt.resolve("f.img"), new byte[1 << 20]);
            Sys.run("mount", "-o", "remount,ro", mnt.toString());
            assertThatThrownBy(() -> FileBdev.open(cfg(mnt.resolve("f.img"), -1, FileBdevConfig.Engine.AUTO),
                    TestShim.get())).isInstanceOf(IOException.class)
                    .hasMessage("cannot open " + mnt.resolve("f.img")
                            + " for reading and writing: Read-only file system");
            FileBdev ro = open(new FileBdevConfig("Ro", null, mnt.resolve("f.img"), 512, -1, false, true,
                    FileBdevConfig.Engine.AUTO), TestShim.get());
            assertThat(ro.properties().blockCount()).isEqualTo(2048);
            ro.close();
        } finally {
            Sys.run("umount", "-l", mnt.toString());
        }
    }
}
