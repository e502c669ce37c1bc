package io.karst.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.Bdev;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.nbd.NbdExport;
import io.karst.nbd.protocol.Nbd;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** CAN_MULTI_CONN's promise, and exports following their bdev through hot-remove. */
class MultiConnAndHotRemoveTest {

    @Test
    void flushOnOneConnectionCoversWritesCompletedOnAnother() throws Exception {
        try (EngineFixture f = new EngineFixture()) {
            CachingRamDevice dev = new CachingRamDevice("Cache0", 2048);
            f.harness.register(dev);
            f.engine.addExport("cfg-auto", NbdExport.of("auto", "Cache0"));
            f.engine.addExport("cfg-mc", new NbdExport("mc", "Cache0", false, false, "", NbdExport.MultiConn.ON));
            try (TestClient auto = TestClient.connected(f.port(), "auto", false)) {
                assertThat(auto.flags & Nbd.TF_CAN_MULTI_CONN).as("not advertised for an unknown module").isZero();
            }
            try (TestClient a = TestClient.connected(f.port(), "mc", false);
                 TestClient b = TestClient.connected(f.port(), "mc", true);
                 TestClient c = TestClient.connected(f.port(), "mc", false)) {
                assertThat(a.flags & Nbd.TF_CAN_MULTI_CONN).isNotZero();
                byte[] one = NbdEngineTest.filled(65536, 1);
                byte[] two = NbdEngineTest.filled(4096, 2);
                assertThat(a.write(0, one, 0)).isZero();
                assertThat(c.write(131072, two, 0)).isZero();
                // completed, visible to every connection, but not yet durable
                assertThat(b.read(0, 65536)).isEqualTo(one);
                assertThat(dev.durable(0, 65536)).isNotEqualTo(one);
                assertThat(b.simple(Nbd.CMD_FLUSH, 0, 0, 0)).isZero();
                assertThat(dev.durable(0, 65536)).isEqualTo(one);
                assertThat(dev.durable(131072, 4096)).isEqualTo(two);
                // FUA on one connection makes that write durable by itself
                byte[] three = NbdEngineTest.filled(512, 3);
                assertThat(c.write(200_704, three, Nbd.CMD_FLAG_FUA)).isZero();
                assertThat(dev.durable(200_704, 512)).isEqualTo(three);
            }
            f.awaitQuiet();
            dev.shutdown();
        }
    }

    @Test
    void hotRemoveEndsTheExportsConnectionsAndTheExportComesBackWithTheBdev() throws Exception {
        try (EngineFixture f = new EngineFixture()) {
            TestClient c = TestClient.connected(f.port(), "ram", true);
            assertThat(c.write(0, NbdEngineTest.filled(4096, 4), 0)).isZero();
            Bdev before = f.harness.registry().find("Ram0").orElseThrow();
            assertThat(before.holders()).extracting(Bdev.Holder::holder).containsExactly("nbd export ram");
            f.harness.unregister(f.ram); // returns once the holders let go
            assertThat(c.closedByServer()).isTrue();
            c.close();
            assertThat(f.engine.exportInfo("ram").orElseThrow().state()).isEqualTo("waiting for bdev");
            try (TestClient late = new TestClient(f.port())) {
                late.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
                List<TestClient.OptReply> r = late.go("ram");
                assertThat(r.get(r.size() - 1).type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
                assertThat(r.get(r.size() - 1).text()).contains("waiting for bdev Ram0");
            }
            MallocBdev again = new MallocBdev("Ram0", UUID.randomUUID(), 512, 4096);
            f.harness.register(again);
            assertThat(f.engine.exportInfo("ram").orElseThrow().state()).isEqualTo("serving");
            try (TestClient c2 = TestClient.connected(f.port(), "ram", false)) {
                assertThat(c2.size).isEqualTo(4096 * 512L);
                assertThat(c2.read(0, 4096)).isEqualTo(new byte[4096]);
            }
            f.awaitQuiet();
            f.harness.unregister(again);
            again.destroy();
        }
    }

    @Test
    void exportsShareTheBdevWithOtherFrontendsAndStopReleasesIt() throws Exception {
        try (EngineFixture f = new EngineFixture()) {
            // a second frontend's shared claim is compatible
            var other = f.harness.registry().open("Ram0", io.karst.bdev.OpenOptions.frontend("iscsi lun 0"));
            f.engine.addExport("cfg-2", NbdExport.of("second", "Ram0"));
            try (TestClient c = TestClient.connected(f.port(), "second", false)) {
                assertThat(c.read(0, 512)).hasSize(512);
            }
            f.awaitQuiet();
            f.engine.removeExport("cfg-2");
            f.engine.removeExport("cfg-ram");
            Bdev b = f.harness.registry().find("Ram0").orElseThrow();
            assertThat(b.holders()).extracting(Bdev.Holder::holder).containsExactly("iscsi lun 0");
            other.close();
        }
    }
}
