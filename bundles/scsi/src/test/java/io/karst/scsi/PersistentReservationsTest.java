package io.karst.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PersistentReservationsTest {
    BdevHarness harness;
    BdevDescriptor desc;
    IoChannel ch;
    ScsiLun lun;
    final AtomicReference<byte[]> saved = new AtomicReference<>();
    final PersistentReservations.Store store = new PersistentReservations.Store() {
        @Override
        public byte[] load() {
            return saved.get();
        }

        @Override
        public void save(byte[] state) {
            saved.set(state);
        }
    };
    final ScsiNexus a = new ScsiNexus("iqn.a,i,0x1", "iqn.t,t,0x1", 1);
    final ScsiNexus b = new ScsiNexus("iqn.b,i,0x2", "iqn.t,t,0x1", 1);
    final ScsiNexus c = new ScsiNexus("iqn.c,i,0x3", "iqn.t,t,0x1", 1);

    @BeforeEach
    void setUp() {
        harness = new BdevHarness();
        harness.register(new MallocBdev("R0", UUID.randomUUID(), 512, 1024));
        desc = harness.registry().open("R0", OpenOptions.frontend("pr"));
        ch = desc.openChannel();
        lun = new ScsiLun(desc, LunOptions.defaults().withReservationStore(store));
        for (ScsiNexus n : new ScsiNexus[] {a, b, c}) {
            run(lun, n, null, 0x00);
        }
    }

    @AfterEach
    void tearDown() {
        ch.close();
        desc.close();
        harness.close();
    }

    TestTask run(ScsiLun l, ScsiNexus n, byte[] out, int... cdb) {
        TestTask t = new TestTask(n, ch, cdb);
        if (out != null) {
            t.out(out);
        }
        l.execute(t);
        t.await();
        return t;
    }

    static byte[] param(long key, long sark, boolean aptpl) {
        byte[] p = new byte[24];
        ByteBuffer.wrap(p).putLong(0, key).putLong(8, sark);
        p[20] = (byte) (aptpl ? 1 : 0);
        return p;
    }

    int out(ScsiLun l, ScsiNexus n, int sa, int type, long key, long sark) {
        return run(l, n, param(key, sark, false), 0x5F, sa, type, 0, 0, 0, 0, 0, 24, 0).await();
    }

    @Test
    void registerReserveAndTheAccessRulesOfTheTypes() {
        assertThat(out(lun, a, 0, 0, 0, 0xAAAA)).isEqualTo(ScsiStatus.GOOD);
        assertThat(out(lun, b, 0, 0, 0, 0xBBBB)).isEqualTo(ScsiStatus.GOOD);
        assertThat(out(lun, b, 0, 0, 0x1234, 0xBBBC)).isEqualTo(ScsiStatus.RESERVATION_CONFLICT); // wrong key
        byte[] keys = run(lun, c, null, 0x5E, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0).data();
        assertThat(ByteBuffer.wrap(keys).getInt(4)).isEqualTo(16);
        assertThat(ByteBuffer.wrap(keys).getLong(8)).isEqualTo(0xAAAA);
        // WRITE EXCLUSIVE by a: b and c may read, not write
        assertThat(out(lun, a, 1, 1, 0xAAAA, 0)).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(lun, c, null, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(lun, c, new byte[512], 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0).await())
                .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        assertThat(run(lun, a, new byte[512], 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0).await()).isEqualTo(ScsiStatus.GOOD);
        byte[] res = run(lun, b, null, 0x5E, 1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0).data();
        assertThat(ByteBuffer.wrap(res).getLong(8)).isEqualTo(0xAAAA);
        assertThat(res[21]).isEqualTo((byte) 1);
        // releasing with the wrong type is refused; the right one works
        assertThat(out(lun, a, 2, 3, 0xAAAA, 0)).isEqualTo(ScsiStatus.CHECK_CONDITION);
        assertThat(out(lun, a, 2, 1, 0xAAAA, 0)).isEqualTo(ScsiStatus.GOOD);
        // EXCLUSIVE ACCESS, REGISTRANTS ONLY by b: a (registered) reads and writes, c (not) does neither
        assertThat(out(lun, b, 1, 6, 0xBBBB, 0)).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(lun, a, new byte[512], 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(run(lun, c, null, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0).await())
                .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        assertThat(run(lun, c, null, 0x12, 0, 0, 0, 36, 0).await()).isEqualTo(ScsiStatus.GOOD);
    }

    @Test
    void preemptRemovesTheHolderAndTellsIt() {
        out(lun, a, 0, 0, 0, 0xA);
        out(lun, b, 0, 0, 0, 0xB);
        out(lun, a, 1, 3, 0xA, 0);
        assertThat(out(lun, b, 4, 3, 0xB, 0xA)).isEqualTo(ScsiStatus.GOOD);
        TestTask ua = run(lun, a, null, 0x00);
        assertThat(ua.sense).isEqualTo(Sense.REGISTRATIONS_PREEMPTED);
        byte[] keys = run(lun, c, null, 0x5E, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0).data();
        assertThat(ByteBuffer.wrap(keys).getInt(4)).isEqualTo(8);
        assertThat(run(lun, a, null, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0).await())
                .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        assertThat(out(lun, b, 3, 0, 0xB, 0)).isEqualTo(ScsiStatus.GOOD); // CLEAR
        assertThat(run(lun, a, null, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0).await()).isEqualTo(ScsiStatus.GOOD);
    }

    @Test
    void aptplStateSurvivesARestartOfTheUnit() {
        assertThat(run(lun, a, param(0, 0x77, true), 0x5F, 0, 0, 0, 0, 0, 0, 0, 24, 0).await())
                .isEqualTo(ScsiStatus.GOOD);
        out(lun, a, 1, 1, 0x77, 0);
        ScsiLun restarted = new ScsiLun(desc, LunOptions.defaults().withReservationStore(store));
        run(restarted, a, null, 0x00);
        byte[] res = run(restarted, a, null, 0x5E, 1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0).data();
        assertThat(ByteBuffer.wrap(res).getLong(8)).isEqualTo(0x77);
        run(restarted, b, null, 0x00);
        assertThat(run(restarted, b, new byte[512], 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0).await())
                .isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        byte[] caps = run(restarted, a, null, 0x5E, 2, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0).data();
        assertThat(caps[2] & 0x01).isEqualTo(1); // PTPL_C
        assertThat(caps[3] & 0x01).isEqualTo(1); // PTPL_A
        // without a store APTPL is refused
        ScsiLun noStore = new ScsiLun(desc, LunOptions.defaults());
        run(noStore, c, null, 0x00);
        assertThat(run(noStore, c, param(0, 0x5, true), 0x5F, 0, 0, 0, 0, 0, 0, 0, 24, 0).sense)
                .isEqualTo(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
    }

    @Test
    void spc2ReserveAndPersistentReservationsExcludeEachOther() {
        out(lun, a, 0, 0, 0, 0xA);
        assertThat(run(lun, b, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
        out(lun, a, 0, 0, 0xA, 0); // unregister
        assertThat(run(lun, b, null, 0x16, 0, 0, 0, 0, 0).await()).isEqualTo(ScsiStatus.GOOD);
        assertThat(out(lun, a, 0, 0, 0, 0xA)).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
    }
}
