package io.karst.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.ScsiCommand;
import io.karst.bdev.ScsiOpcodeSet;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.testkit.BdevHarness;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A bdev that asks for SCSI pass-through (as a tcmu-runner handler with handle_cmd does): its answers win, and
 * what it declines (NOT_HANDLED) is emulated over its ordinary I/O.
 */
class PassthroughTest {
    /** Answers INQUIRY and a READ(10) of LBA 7 itself, declines everything else. */
    static final class HandlerDisk implements BlockDevice, DeviceChannel {
        final MallocBdev base = new MallocBdev("H0base", UUID.randomUUID(), 512, 256);
        final BdevProperties props = BdevProperties.builder("H0", "handler").uuid(UUID.randomUUID()).blockSize(512)
                .blockCount(256).ioTypes(IoType.READ, IoType.WRITE, IoType.FLUSH).scsiPassthrough(ScsiOpcodeSet.ALL)
                .build();
        final AtomicInteger offered = new AtomicInteger();
        final DeviceChannel baseChannel = base.openChannel();

        @Override
        public BdevProperties properties() {
            return props;
        }

        @Override
        public DeviceChannel openChannel() {
            return this;
        }

        @Override
        public void submit(BdevIo io) {
            if (io.type() != IoType.SCSI_PASSTHROUGH) {
                baseChannel.submit(io);
                return;
            }
            offered.incrementAndGet();
            ScsiCommand c = io.scsiCommand();
            if (c.opcode() == 0x12 && (c.cdbByte(1) & 1) == 0) {
                ByteBuffer d = c.data()[0];
                byte[] inq = new byte[36];
                inq[2] = 6;
                inq[4] = 31;
                System.arraycopy("HANDLER Handler disk    0001".getBytes(StandardCharsets.US_ASCII), 0, inq, 8, 28);
                int n = Math.min(inq.length, c.transferLength());
                d.put(d.position(), inq, 0, n);
                c.residual(c.transferLength() - n);
                io.complete(IoStatus.SUCCESS);
            } else if (c.opcode() == 0x28 && c.cdbByte(5) == 7) {
                c.checkCondition(Sense.MEDIUM_ERROR, 0x11, 0x00);
                io.complete(IoStatus.SUCCESS);
            } else {
                io.complete(IoStatus.NOT_HANDLED);
            }
        }
    }

    @Test
    void handlerAnswersWinAndDeclinedCommandsAreEmulated() {
        try (BdevHarness h = new BdevHarness()) {
            HandlerDisk disk = new HandlerDisk();
            h.register(disk);
            BdevDescriptor d = h.registry().open("H0", OpenOptions.frontend("t"));
            IoChannel ch = d.openChannel();
            ScsiLun lun = new ScsiLun(d, LunOptions.defaults());
            ScsiNexus n = new ScsiNexus("iqn.p,i,0x1", "iqn.t,t,0x1", 1);
            TestTask ua = new TestTask(n, ch, 0x00);
            lun.execute(ua);
            ua.await();
            TestTask inq = new InTask(n, ch, 96, 0x12, 0, 0, 0, 96, 0);
            lun.execute(inq);
            assertThat(inq.await()).isEqualTo(ScsiStatus.GOOD);
            assertThat(new String(inq.data(), 8, 8, StandardCharsets.US_ASCII)).isEqualTo("HANDLER ");
            assertThat(inq.dataIn).isEqualTo(36);
            TestTask bad = new InTask(n, ch, 512, 0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0);
            lun.execute(bad);
            assertThat(bad.await()).isEqualTo(ScsiStatus.CHECK_CONDITION);
            assertThat(bad.sense.key()).isEqualTo(Sense.MEDIUM_ERROR);
            // declined: WRITE then READ go through the emulation to the RAM below
            byte[] data = new byte[512];
            java.util.Arrays.fill(data, (byte) 0x5A);
            TestTask w = new TestTask(n, ch, 0x2A, 0, 0, 0, 0, 3, 0, 0, 1, 0).out(data);
            lun.execute(w);
            assertThat(w.await()).isEqualTo(ScsiStatus.GOOD);
            TestTask r = new InTask(n, ch, 512, 0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0);
            lun.execute(r);
            assertThat(r.await()).isEqualTo(ScsiStatus.GOOD);
            assertThat(r.data()).isEqualTo(data);
            // the first TEST UNIT READY met the power-on unit attention, which the logical unit reports itself
            assertThat(disk.offered.get()).isEqualTo(4); // INQUIRY, READ 7, WRITE, READ 3
            ch.close();
            d.close();
        }
    }

    /** A read-type task: tells the expected data-in length, as iSCSI's EDTL does. */
    static final class InTask extends TestTask {
        final int expected;

        InTask(ScsiNexus n, IoChannel ch, int expected, int... cdb) {
            super(n, ch, cdb);
            this.expected = expected;
        }

        @Override
        public int expectedDataInLength() {
            return expected;
        }
    }
}
