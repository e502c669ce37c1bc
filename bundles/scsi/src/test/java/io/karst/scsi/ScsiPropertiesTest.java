package io.karst.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Any CDB and any data-out complete exactly once with a valid status, and never corrupt blocks they should not touch. */
class ScsiPropertiesTest {
    static BdevHarness harness;
    static BdevDescriptor desc;
    static IoChannel ch;
    static ScsiLun lun;
    static final ScsiNexus N = new ScsiNexus("iqn.p,i,0x1", "iqn.t,t,0x1", 1);

    @BeforeContainer
    static void setUp() {
        harness = new BdevHarness();
        harness.register(new MallocBdev("P0", UUID.randomUUID(), 512, 64));
        desc = harness.registry().open("P0", OpenOptions.frontend("prop"));
        ch = desc.openChannel();
        lun = new ScsiLun(desc, LunOptions.defaults());
    }

    @AfterContainer
    static void tearDown() {
        ch.close();
        desc.close();
        harness.close();
    }

    @Provide
    Arbitrary<byte[]> cdbs() {
        Arbitrary<Integer> ops = Arbitraries.oneOf(Arbitraries.of(0x00, 0x03, 0x08, 0x0A, 0x12, 0x15, 0x16, 0x17,
                0x1A, 0x1B, 0x25, 0x28, 0x2A, 0x2E, 0x2F, 0x34, 0x35, 0x41, 0x42, 0x55, 0x5A, 0x88, 0x89, 0x8A, 0x8E,
                0x8F, 0x90, 0x91, 0x93, 0x9E, 0xA0, 0xA3, 0xA8, 0xAA, 0xAE, 0xAF), Arbitraries.integers().between(0, 255));
        return ops.flatMap(op -> Arbitraries.bytes().array(byte[].class).ofSize(15).map(rest -> {
            byte[] c = new byte[16];
            c[0] = (byte) (int) op;
            System.arraycopy(rest, 0, c, 1, 15);
            // small transfer lengths most of the time, so commands get past range checks
            if ((rest[0] & 1) == 0) {
                for (int i = 2; i < 16; i++) {
                    if (i != 8 && i != 13 && i != 4) {
                        c[i] = 0;
                    }
                }
            }
            return c;
        }));
    }

    @Property(tries = 2000)
    void everyCommandCompletesOnceWithAValidStatus(@ForAll("cdbs") byte[] cdb,
                                                    @ForAll("payloads") byte[] payload) {
        TestTask t = new TestTask(N, ch);
        System.arraycopy(cdb, 0, t.cdb, 0, 16);
        if (payload.length > 0) {
            t.out(payload);
        }
        lun.execute(t);
        int status = t.await();
        assertThat(t.completions).isEqualTo(1);
        assertThat(status).isIn(ScsiStatus.GOOD, ScsiStatus.CHECK_CONDITION, ScsiStatus.RESERVATION_CONFLICT,
                ScsiStatus.CONDITION_MET);
        if (status == ScsiStatus.CHECK_CONDITION) {
            assertThat(t.sense).isNotNull();
            assertThat(t.sense.asc()).isNotEqualTo(0x44); // never an internal target failure
        }
        if (t.dataIn > 0) {
            assertThat(t.in).isNotNull();
            assertThat(t.dataIn).isLessThanOrEqualTo(t.in.capacity());
        }
        assertThat(lun.lockCount()).isZero();
        lun.nexusLost(N); // drop any reservation for the next try
    }

    @Provide
    Arbitrary<byte[]> payloads() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
    }
}
