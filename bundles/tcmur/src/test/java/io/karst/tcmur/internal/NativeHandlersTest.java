package io.karst.tcmur.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.bdev.testkit.SyncIo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's tcmu-runner handlers (package tcmu-runner) served through the native host: qcow checked with
 * qemu-img/qemu-io, file_optical (2048-byte blocks, handle_cmd, nr_threads 1) and file_zbc (nr_threads 0).
 */
class NativeHandlersTest {
    static NativeHost host;
    static HandlerRegistry handlers;

    @TempDir
    Path dir;
    BdevHarness harness;

    @BeforeAll
    static void loadHost(@TempDir Path nativeDir) throws Exception {
        assertThat(Path.of(HandlerRegistry.DEBIAN_DIR, "handler_qcow.so"))
                .as("Debian's tcmu-runner package (apt-get install tcmu-runner)").exists();
        host = NativeHost.load(nativeDir);
        handlers = new HandlerRegistry(host, List.of(Path.of(HandlerRegistry.DEBIAN_DIR)));
        handlers.scan();
    }

    @AfterAll
    static void stop() {
        host.stop();
    }

    @BeforeEach
    void setUp() {
        harness = new BdevHarness().removalTimeout(200);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private TcmurBdevComponent create(String name, String cfg, Long size) {
        Map<String, Object> config = new HashMap<>();
        config.put("name", name);
        config.put(TcmurBdevType.CFGSTRING, cfg);
        if (size != null) {
            config.put("size", size.toString());
        }
        return new TcmurBdevComponent(handlers, device -> {
            harness.register(device);
            return () -> harness.unregister(device);
        }, config);
    }

    private static ByteBuffer pattern(int len, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        for (int i = 0; i < len; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    @Test
    void theDebianHandlersAreLoadedWithTheirFacts() {
        Map<String, HandlerRegistry.HandlerInfo> by = new HashMap<>();
        handlers.handlers().forEach(h -> by.put(h.subtype(), h));
        assertThat(by).containsKeys("qcow", "fbo", "zbc");
        assertThat(by.get("qcow").nrThreads()).isEqualTo(1);
        assertThat(by.get("qcow").operations()).contains("read", "write", "flush");
        assertThat(by.get("zbc").nrThreads()).isZero();
        assertThat(by.get("fbo").operations()).isEqualTo("handle_cmd");
        assertThat(by.get("qcow").origin()).endsWith("handler_qcow.so");
    }

    @Test
    void dataWrittenThroughHandlerQcowReadsBackWithQemuIo() throws Exception {
        Path img = dir.resolve("a.qcow2");
        assertThat(Tools.run("qemu-img", "create", "-f", "qcow2", img.toString(), "64M").exit()).isZero();
        // and data qemu wrote, read through Karst
        assertThat(Tools.run("qemu-io", "-c", "write -P 0x5a 4M 64k", img.toString()).exit()).isZero();
        String cfg = "qcow/" + img;
        TcmurBdevComponent c = create("q0", cfg, null); // size: the image's virtual size
        Bdev b = harness.registry().find("q0").orElseThrow();
        assertThat(b.blockSize()).isEqualTo(512);
        assertThat(b.sizeBytes()).isEqualTo(64L << 20);
        assertThat(b.writeCache()).isTrue();
        BdevDescriptor d = harness.registry().open("q0", OpenOptions.readWrite("test"));
        IoChannel ch = d.openChannel();

        ByteBuffer got = ByteBuffer.allocateDirect(64 << 10);
        assertThat(SyncIo.read(ch, got, (4 << 20) / 512, 128)).isEqualTo(IoStatus.SUCCESS);
        assertThat(got.mismatch(pattern(64 << 10, 0x5a))).isEqualTo(-1);

        long[][] writes = {{0, 0x11, 4096}, {1 << 20, 0x22, 65536}, {(32L << 20) + 512, 0x33, 1536},
            {(64L << 20) - 8192, 0x44, 8192}};
        for (long[] w : writes) {
            assertThat(SyncIo.write(ch, pattern((int) w[2], (int) w[1]), w[0] / 512, w[2] / 512))
                    .as("write at %d", w[0]).isEqualTo(IoStatus.SUCCESS);
        }
        // heap buffers and several segments go through the bounce buffer
        ByteBuffer heap = ByteBuffer.allocate(1024);
        for (int i = 0; i < 1024; i++) {
            heap.put(i, (byte) 0x55);
        }
        assertThat(SyncIo.writev(ch, new ByteBuffer[]{heap.slice(0, 512), heap.slice(512, 512)},
                (48L << 20) / 512, 2)).isEqualTo(IoStatus.SUCCESS);
        assertThat(SyncIo.flush(ch)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer back = ByteBuffer.allocate(65536);
        assertThat(SyncIo.read(ch, back, (1 << 20) / 512, 128)).isEqualTo(IoStatus.SUCCESS);
        assertThat(back.mismatch(ByteBuffer.wrap(new byte[65536]).put(0, pattern(65536, 0x22), 0, 65536)))
                .isEqualTo(-1);
        // a misaligned request never reaches the handler (handler_qcow would abort the JVM)
        assertThat(SyncIo.bytes(ch, IoType.READ, 100, ByteBuffer.allocateDirect(512)))
                .isEqualTo(IoStatus.MISALIGNED);
        assertThat(SyncIo.read(ch, ByteBuffer.allocateDirect(1024), (64L << 20) / 512 - 1, 2))
                .isEqualTo(IoStatus.OUT_OF_RANGE);
        ch.close();
        d.close();
        c.deactivate();

        Tools.Result check = Tools.run("qemu-img", "check", img.toString());
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("No errors were found");
        for (long[] w : writes) {
            Tools.Result r = Tools.run("qemu-io", "-r", "-c",
                    String.format("read -P 0x%x %d %d", w[1], w[0], w[2]), img.toString());
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).doesNotContain("Pattern verification failed").contains("read " + w[2] + "/");
        }
        Tools.Result r = Tools.run("qemu-io", "-r", "-c", "read -P 0x55 48M 1024", img.toString());
        assertThat(r.output()).doesNotContain("Pattern verification failed");
    }

    @Test
    void aQcowDeviceOfTheWrongSizeIsRefusedWithTheReason() throws Exception {
        Path img = dir.resolve("b.qcow2");
        Tools.run("qemu-img", "create", "-f", "qcow2", img.toString(), "16M");
        TcmurBdevType type = new TcmurBdevType(handlers);
        Map<String, String> p = new HashMap<>();
        p.put(TcmurBdevType.CFGSTRING, "qcow/" + img);
        p.put("size", Long.toString(32L << 20));
        p.put("block_size", "512");
        assertThatThrownBy(() -> type.configure(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("could not open");
        p.put(TcmurBdevType.CFGSTRING, "nosuch/" + img);
        assertThatThrownBy(() -> type.configure(p)).hasMessageContaining("no handler for subtype 'nosuch'");
        p.remove("size");
        p.put(TcmurBdevType.CFGSTRING, "qcow/" + img);
        assertThat(type.configure(p)).containsEntry("size", Long.toString(16L << 20));
    }

    @Test
    void fileOpticalServesBlocksThroughHandleCmdAndRawCommands() throws Exception {
        Path iso = dir.resolve("disc.iso");
        Files.write(iso, new byte[8 << 20]);
        create("cd0", "fbo/" + iso, 8L << 20);
        Bdev b = harness.registry().find("cd0").orElseThrow();
        assertThat(b.blockSize()).isEqualTo(2048);
        assertThat(b.supports(IoType.SCSI_PASSTHROUGH)).isTrue();
        IoChannel ch = harness.registry().open("cd0", OpenOptions.readWrite("test")).openChannel();
        assertThat(SyncIo.write(ch, pattern(8192, 0x6c), 10, 4)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer back = ByteBuffer.allocateDirect(8192);
        assertThat(SyncIo.read(ch, back, 10, 4)).isEqualTo(IoStatus.SUCCESS);
        assertThat(back.mismatch(pattern(8192, 0x6c))).isEqualTo(-1);
        assertThat(SyncIo.flush(ch)).isEqualTo(IoStatus.SUCCESS);
        byte[] onDisk = Files.readAllBytes(iso);
        assertThat(onDisk[10 * 2048]).isEqualTo((byte) 0x6c);

        // READ CAPACITY(10) passed through: the handler answers it itself
        ScsiCommand cap = new ScsiCommand().set(ByteBuffer.wrap(new byte[]{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                ScsiCommand.Direction.FROM_DEVICE, new ByteBuffer[]{ByteBuffer.allocateDirect(8)}, 8,
                ByteBuffer.allocate(96));
        assertThat(SyncIo.run(cb -> ch.submitScsi(cap, cb))).isEqualTo(IoStatus.SUCCESS);
        assertThat(cap.status()).isEqualTo(ScsiCommand.GOOD);
        assertThat(cap.data()[0].getInt(0)).isEqualTo((8 << 20) / 2048 - 1);
        assertThat(cap.data()[0].getInt(4)).isEqualTo(2048);
        // a READ(10) past the end is refused before the handler sees it
        ScsiCommand past = new ScsiCommand().set(ByteBuffer.wrap(new byte[]{0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0}),
                ScsiCommand.Direction.FROM_DEVICE, new ByteBuffer[]{ByteBuffer.allocateDirect(2048)}, 2048,
                ByteBuffer.allocate(96));
        assertThat(SyncIo.run(cb -> ch.submitScsi(past, cb))).isEqualTo(IoStatus.SUCCESS);
        assertThat(past.status()).isEqualTo(ScsiCommand.CHECK_CONDITION);
        assertThat(past.sense().get(12)).isEqualTo((byte) 0x21);
        ch.close();
    }

    @Test
    void fileZbcAnAsynchronousHandlerServesARoundTrip() throws Exception {
        Path zoned = dir.resolve("zoned.img");
        create("zbc0", "zbc/model-HM/zsize-16/conv-2@" + zoned, 64L << 20);
        Bdev b = harness.registry().find("zbc0").orElseThrow();
        IoChannel ch = harness.registry().open("zbc0", OpenOptions.readWrite("test")).openChannel();
        int bs = b.blockSize();
        // the first zones are conventional: random writes are allowed there
        assertThat(SyncIo.write(ch, pattern(4 * bs, 0x7e), 8, 4)).isEqualTo(IoStatus.SUCCESS);
        ByteBuffer back = ByteBuffer.allocateDirect(4 * bs);
        assertThat(SyncIo.read(ch, back, 8, 4)).isEqualTo(IoStatus.SUCCESS);
        assertThat(back.mismatch(pattern(4 * bs, 0x7e))).isEqualTo(-1);
        ch.close();
    }
}
