package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoStatus;
import io.karst.bdev.spi.DeviceChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A sparse backing file larger than its file system: writing into it ends in NO_SPACE, not in a plain failure. */
class NoSpaceTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"URING, OWNED", "URING, INLINE", "THREADS, OWNED"})
    void writesBeyondTheFileSystemsSpaceFailWithNoSpace(FileBdevConfig.Engine engine, RingMode mode)
            throws Exception {
        assumeTrue(engine != FileBdevConfig.Engine.URING || TestShim.get().uringAvailable());
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Sys.mountTmpfs(mnt, "1m");
        try {
            FileBdev b = FileBdev.open(TestShim.config("Full", mnt.resolve("sparse.img"), 4096, 4 << 20, engine),
                    TestShim.get(), 16, mode);
            try {
                assertThat(Files.size(mnt.resolve("sparse.img"))).isEqualTo(4 << 20);
                DeviceChannel ch = b.openChannel();
                ByteBuffer block = TestIo.fill(TestIo.aligned(4096), 1);
                IoStatus status = IoStatus.SUCCESS;
                int written = 0;
                while (written < 1024) {
                    status = TestIo.write(written, 1, 4096, block.duplicate()).run(ch);
                    if (status != IoStatus.SUCCESS) {
                        break;
                    }
                    written++;
                }
                assertThat(status).isEqualTo(IoStatus.NO_SPACE);
                assertThat(written).as("blocks written before the file system was full").isBetween(200, 256);
                // the data that did fit is intact
                ByteBuffer r = TestIo.aligned(4096);
                assertThat(TestIo.read(written - 1, 1, 4096, r).run(ch)).isEqualTo(IoStatus.SUCCESS);
                assertThat(r).isEqualTo(block);
                ch.close();
            } finally {
                b.close();
            }
        } finally {
            Sys.run("umount", "-l", mnt.toString());
        }
    }
}
