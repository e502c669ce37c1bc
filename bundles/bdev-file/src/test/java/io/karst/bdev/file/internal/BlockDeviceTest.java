package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.DeviceChannel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loop device with 4096-byte logical blocks as the backing store (root and losetup needed). */
class BlockDeviceTest {
    @TempDir
    Path dir;
    private String loop;
    private Path image;

    @BeforeEach
    void attachLoopDevice() throws Exception {
        assumeTrue(Sys.root(), "needs root for a loop device");
        assumeTrue(Sys.has("losetup"), "losetup is not installed");
        image = dir.resolve("loop.img");
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(32 << 20);
        }
        try {
            loop = Sys.run("losetup", "-f", "--show", "--sector-size", "4096", image.toString()).trim();
        } catch (IOException e) {
            assumeTrue(false, "no loop device available: " + e.getMessage());
        }
    }

    @AfterEach
    void detachLoopDevice() throws Exception {
        if (loop != null) {
            Sys.run("losetup", "-d", loop);
        }
    }

    private FileBdevConfig cfg(int blockSize, boolean direct) {
        return new FileBdevConfig("Blk", null, Path.of(loop), blockSize, -1, direct, false, FileBdevConfig.Engine.AUTO);
    }

    @Test
    void geometryComesFromTheKernel() throws Exception {
        FileBdev b = FileBdev.open(cfg(4096, false), TestShim.get());
        try {
            assertThat(b.properties().blockCount()).isEqualTo((32 << 20) / 4096);
            assertThat(b.properties().productName()).isEqualTo("Block device disk");
            assertThat(b.driverInfo()).containsEntry("kind", "block device")
                    .containsEntry("logical_block_size", "4096");
        } finally {
            b.close();
        }
    }

    @Test
    void directIoNeedsTheLogicalBlockSize() {
        assertThatThrownBy(() -> FileBdev.open(cfg(512, true), TestShim.get())).isInstanceOf(IOException.class)
                .hasMessage("block_size 512 is smaller than the 4096-byte alignment direct I/O needs on " + loop
                        + " (its logical block size is 4096); use block_size 4096 or direct=false");
        assertThatThrownBy(() -> new FileModule(TestShim.get()).configure(java.util.Map.of(
                "filename", loop, "block_size", "512", "direct", "true", "readonly", "false", "engine", "auto")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block_size 512 is smaller");
        assertThatThrownBy(() -> new FileModule(TestShim.get()).configure(java.util.Map.of(
                "filename", loop, "block_size", "4096", "size", "1048576", "direct", "false", "readonly", "false",
                "engine", "auto"))).hasMessageContaining("size cannot be set for block device");
    }

    @Test
    void directIoUnmapAndRescan() throws Exception {
        FileBdev b = FileBdev.open(cfg(4096, true), TestShim.get());
        try {
            assertThat(b.properties().unmapReadsZeroes()).isTrue();
            DeviceChannel ch = b.openChannel();
            ByteBuffer w = TestIo.fill(TestIo.aligned(16 * 4096), 21);
            assertThat(TestIo.write(64, 16, 4096, w).run(ch)).isEqualTo(IoStatus.SUCCESS);
            ByteBuffer r = TestIo.aligned(16 * 4096);
            assertThat(TestIo.read(64, 16, 4096, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
            assertThat(r).isEqualTo(w);
            assertThat(TestIo.of(IoType.UNMAP, 64, 8, 4096).run(ch)).isEqualTo(IoStatus.SUCCESS);
            assertThat(TestIo.of(IoType.WRITE_ZEROES, 76, 2, 4096).run(ch)).isEqualTo(IoStatus.SUCCESS);
            assertThat(TestIo.of(IoType.FLUSH, 0, 0, 4096).run(ch)).isEqualTo(IoStatus.SUCCESS);
            ByteBuffer after = TestIo.aligned(16 * 4096);
            assertThat(TestIo.read(64, 16, 4096, after).run(ch)).isEqualTo(IoStatus.SUCCESS);
            assertThat(after.slice(0, 8 * 4096)).isEqualTo(ByteBuffer.allocate(8 * 4096));
            assertThat(after.slice(8 * 4096, 4 * 4096)).isEqualTo(w.slice(8 * 4096, 4 * 4096));
            assertThat(after.slice(12 * 4096, 2 * 4096)).isEqualTo(ByteBuffer.allocate(2 * 4096));
            assertThat(after.slice(14 * 4096, 2 * 4096)).isEqualTo(w.slice(14 * 4096, 2 * 4096));

            // grow the loop device's backing file; a resize of a block device reads its size again
            List<Long> reported = new ArrayList<>();
            b.attach(reported::add);
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(48 << 20);
            }
            Sys.run("losetup", "-c", loop);
            assertThat(b.resize(-1)).isEqualTo((48 << 20) / 4096);
            assertThat(reported).containsExactly((long) (48 << 20) / 4096);
            ch.close();
        } finally {
            b.close();
        }
    }
}
