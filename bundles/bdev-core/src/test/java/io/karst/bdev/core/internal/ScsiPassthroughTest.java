package io.karst.bdev.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.ScsiOpcodeSet;
import io.karst.bdev.spi.BdevProperties;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScsiPassthroughTest {
    private static final int INQUIRY = 0x12;
    private static final int WRITE_10 = 0x2a;
    private static final int READ_CAPACITY_10 = 0x25;

    private final BdevRegistryImpl registry = new BdevRegistryImpl();

    @AfterEach
    void tearDown() {
        registry.deactivate();
    }

    /** A device that answers INQUIRY itself, leaves everything else to the frontend. */
    private FakeDevice passthroughDevice(String name) {
        FakeDevice dev = new FakeDevice(BdevProperties.builder(name, "fake").blockCount(64)
                .ioTypes(IoType.READ, IoType.WRITE).scsiPassthrough(ScsiOpcodeSet.ALL).build());
        dev.behaviour = io -> {
            ScsiCommand c = io.scsiCommand();
            if (c == null) {
                io.complete(IoStatus.SUCCESS);
            } else if (c.opcode() == INQUIRY) {
                byte[] id = "KARSTFAKE".getBytes(StandardCharsets.US_ASCII);
                ByteBuffer d = c.data()[0];
                d.put(d.position(), id, 0, Math.min(id.length, d.remaining()));
                c.residual(c.transferLength() - Math.min(id.length, c.transferLength()));
                io.complete(IoStatus.SUCCESS);
            } else if (c.opcode() == WRITE_10) {
                c.checkCondition(0x07, 0x27, 0x00); // DATA PROTECT, WRITE PROTECTED
                io.complete(IoStatus.SUCCESS);
            } else {
                io.complete(IoStatus.NOT_HANDLED);
            }
        };
        return dev;
    }

    private static ScsiCommand command(int opcode, ScsiCommand.Direction dir, int length) {
        ByteBuffer cdb = ByteBuffer.allocate(10);
        cdb.put(0, (byte) opcode);
        ByteBuffer[] data = length == 0 ? null : new ByteBuffer[]{ByteBuffer.allocateDirect(length)};
        return new ScsiCommand().set(cdb, dir, data, length, ByteBuffer.allocate(96));
    }

    private static IoStatus submit(IoChannel ch, ScsiCommand c) throws Exception {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.submitScsi(c, f::complete);
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPassthroughDeviceExecutesCommandsAndReportsStatusSenseAndResidual() throws Exception {
        FakeDevice dev = passthroughDevice("pt");
        registry.addDevice(dev);
        Bdev b = registry.find("pt").orElseThrow();
        assertThat(b.supports(IoType.SCSI_PASSTHROUGH)).isTrue();
        assertThat(b.scsiPassthrough().contains(INQUIRY)).isTrue();
        IoChannel ch = registry.open("pt", OpenOptions.readWrite("test")).openChannel();

        ScsiCommand inquiry = command(INQUIRY, ScsiCommand.Direction.FROM_DEVICE, 36);
        assertThat(submit(ch, inquiry)).isEqualTo(IoStatus.SUCCESS);
        assertThat(inquiry.status()).isEqualTo(ScsiCommand.GOOD);
        assertThat(inquiry.residual()).isEqualTo(27);
        byte[] got = new byte[9];
        inquiry.data()[0].get(0, got);
        assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("KARSTFAKE");

        ScsiCommand write = command(WRITE_10, ScsiCommand.Direction.TO_DEVICE, 512);
        assertThat(submit(ch, write)).isEqualTo(IoStatus.SUCCESS);
        assertThat(write.status()).isEqualTo(ScsiCommand.CHECK_CONDITION);
        assertThat(write.senseLength()).isEqualTo(18);
        assertThat(write.sense().get(2) & 0x0f).isEqualTo(0x07);
        assertThat(write.sense().get(12) & 0xff).isEqualTo(0x27);

        ScsiCommand capacity = command(READ_CAPACITY_10, ScsiCommand.Direction.FROM_DEVICE, 8);
        assertThat(submit(ch, capacity)).isEqualTo(IoStatus.NOT_HANDLED);

        var stats = b.statistics().of(IoType.SCSI_PASSTHROUGH);
        assertThat(stats.ops()).isEqualTo(3);
        assertThat(stats.errors()).as("NOT_HANDLED is no error").isZero();
        assertThat(stats.bytes()).isEqualTo(9 + 512);
    }

    @Test
    void resultsOfAReusedCommandStartOver() throws Exception {
        FakeDevice dev = passthroughDevice("reuse");
        registry.addDevice(dev);
        IoChannel ch = registry.open("reuse", OpenOptions.readWrite("test")).openChannel();
        ScsiCommand write = command(WRITE_10, ScsiCommand.Direction.TO_DEVICE, 512);
        submit(ch, write);
        assertThat(write.status()).isEqualTo(ScsiCommand.CHECK_CONDITION);
        write.cdb().put(0, (byte) READ_CAPACITY_10);
        assertThat(submit(ch, write)).isEqualTo(IoStatus.NOT_HANDLED);
        assertThat(write.status()).isEqualTo(ScsiCommand.GOOD);
        assertThat(write.senseLength()).isZero();
    }

    @Test
    void devicesWithoutPassthroughRejectItBeforeTheModule() throws Exception {
        FakeDevice dev = new FakeDevice("plain");
        registry.addDevice(dev);
        Bdev b = registry.find("plain").orElseThrow();
        assertThat(b.scsiPassthrough()).isEqualTo(ScsiOpcodeSet.NONE);
        IoChannel ch = registry.open("plain", OpenOptions.readWrite("test")).openChannel();
        assertThat(submit(ch, command(INQUIRY, ScsiCommand.Direction.FROM_DEVICE, 36)))
                .isEqualTo(IoStatus.UNSUPPORTED);
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.submit(IoType.SCSI_PASSTHROUGH, 0, 0, null, null, 0, f::complete);
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(IoStatus.UNSUPPORTED);
        assertThat(dev.seen).isEmpty();
    }

    @Test
    void theGenericSubmitCannotCarryAPassthroughRequest() throws Exception {
        FakeDevice dev = passthroughDevice("generic");
        registry.addDevice(dev);
        IoChannel ch = registry.open("generic", OpenOptions.readWrite("test")).openChannel();
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.submit(IoType.SCSI_PASSTHROUGH, 0, 0, null, null, 0, f::complete);
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(IoStatus.INVALID);
        assertThat(dev.seen).isEmpty();
    }

    @Test
    void malformedRequestsAndDataOutOnAReadOnlyDescriptorNeverReachTheModule() throws Exception {
        FakeDevice dev = passthroughDevice("bad");
        registry.addDevice(dev);
        IoChannel rw = registry.open("bad", OpenOptions.readWrite("test")).openChannel();
        ByteBuffer sense = ByteBuffer.allocate(96);
        ByteBuffer cdb = ByteBuffer.allocate(6);
        ByteBuffer[] data = {ByteBuffer.allocate(100)};
        assertThat(submit(rw, new ScsiCommand().set(ByteBuffer.allocate(0), ScsiCommand.Direction.NONE, null, 0,
                sense))).as("empty CDB").isEqualTo(IoStatus.INVALID);
        assertThat(submit(rw, new ScsiCommand().set(ByteBuffer.allocate(261), ScsiCommand.Direction.NONE, null, 0,
                sense))).as("CDB too long").isEqualTo(IoStatus.INVALID);
        assertThat(submit(rw, new ScsiCommand().set(cdb, ScsiCommand.Direction.FROM_DEVICE, data, 200, sense)))
                .as("data shorter than the transfer length").isEqualTo(IoStatus.INVALID);
        assertThat(submit(rw, new ScsiCommand().set(cdb, ScsiCommand.Direction.NONE, data, 100, sense)))
                .as("data without direction").isEqualTo(IoStatus.INVALID);
        assertThat(submit(rw, new ScsiCommand().set(cdb, ScsiCommand.Direction.FROM_DEVICE,
                new ByteBuffer[]{ByteBuffer.allocate(100).asReadOnlyBuffer()}, 100, sense)))
                .as("read-only buffer for data-in").isEqualTo(IoStatus.INVALID);
        assertThat(submit(rw, new ScsiCommand().set(cdb, ScsiCommand.Direction.NONE, null, 0,
                ByteBuffer.allocate(8)))).as("sense buffer too small").isEqualTo(IoStatus.INVALID);
        IoChannel ro = registry.open("bad", OpenOptions.readOnly("reader")).openChannel();
        assertThat(submit(ro, command(WRITE_10, ScsiCommand.Direction.TO_DEVICE, 512)))
                .isEqualTo(IoStatus.READ_ONLY);
        assertThat(submit(ro, command(INQUIRY, ScsiCommand.Direction.FROM_DEVICE, 36)))
                .isEqualTo(IoStatus.SUCCESS);
        assertThat(dev.seen).containsExactly(IoType.SCSI_PASSTHROUGH);
    }

    @Test
    void notHandledAnsweringABlockRequestIsAFailure() throws Exception {
        FakeDevice dev = new FakeDevice("confused");
        dev.behaviour = io -> io.complete(IoStatus.NOT_HANDLED);
        registry.addDevice(dev);
        IoChannel ch = registry.open("confused", OpenOptions.readWrite("test")).openChannel();
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        ch.read(ByteBuffer.allocateDirect(512), 0, 1, f::complete);
        assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(IoStatus.FAILED);
    }
}
