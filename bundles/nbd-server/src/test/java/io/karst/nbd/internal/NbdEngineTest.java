package io.karst.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.nbd.NbdExport;
import io.karst.nbd.protocol.Nbd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server over TCP with a raw protocol client: negotiation, every command, and the errors of each. */
class NbdEngineTest {
    private EngineFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EngineFixture();
    }

    @AfterEach
    void stop() throws Exception {
        f.awaitQuiet();
        f.close();
    }

    // ---- negotiation ------------------------------------------------------------------------------------------------

    @Test
    void greetingAdvertisesFixedNewstyleAndNoZeroes() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            assertThat(c.handshakeFlags).isEqualTo(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        }
    }

    @Test
    void listNamesEveryExportWithItsDescription() throws Exception {
        f.engine.addExport("cfg-ro", new NbdExport("ro", "Ram0", true, false, "", NbdExport.MultiConn.AUTO));
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            c.option(Nbd.OPT_LIST, new byte[0]);
            List<TestClient.OptReply> r = c.optReplies();
            assertThat(r).hasSize(3);
            assertThat(r.get(0).type()).isEqualTo(Nbd.REP_SERVER);
            ByteBuffer b = ByteBuffer.wrap(r.get(0).data());
            int len = b.getInt();
            assertThat(new String(r.get(0).data(), 4, len, StandardCharsets.UTF_8)).isEqualTo("ram");
            assertThat(new String(r.get(0).data(), 4 + len, r.get(0).data().length - 4 - len, StandardCharsets.UTF_8))
                    .isEqualTo("a RAM disk");
            assertThat(r.get(2).type()).isEqualTo(Nbd.REP_ACK);
            c.option(Nbd.OPT_LIST, new byte[] {1});
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
        }
    }

    @Test
    void infoReportsSizeFlagsNameDescriptionAndBlockSizes() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
            c.option(Nbd.OPT_INFO, TestClient.infoData("ram", Nbd.INFO_NAME, Nbd.INFO_DESCRIPTION,
                    Nbd.INFO_BLOCK_SIZE, 999));
            List<TestClient.OptReply> r = c.optReplies();
            assertThat(r.get(r.size() - 1).type()).isEqualTo(Nbd.REP_ACK);
            boolean sawExport = false;
            boolean sawBlockSize = false;
            for (TestClient.OptReply o : r.subList(0, r.size() - 1)) {
                assertThat(o.type()).isEqualTo(Nbd.REP_INFO);
                ByteBuffer b = ByteBuffer.wrap(o.data());
                switch (b.getShort()) {
                    case Nbd.INFO_EXPORT -> {
                        sawExport = true;
                        assertThat(b.getLong()).isEqualTo(16L << 20);
                        int flags = b.getShort() & 0xffff;
                        assertThat(flags & Nbd.TF_CAN_MULTI_CONN).isNotZero();
                        assertThat(flags & Nbd.TF_READ_ONLY).isZero();
                        assertThat(flags & Nbd.TF_SEND_FLUSH).isNotZero();
                    }
                    case Nbd.INFO_NAME -> assertThat(new String(o.data(), 2, o.data().length - 2)).isEqualTo("ram");
                    case Nbd.INFO_DESCRIPTION -> assertThat(new String(o.data(), 2, o.data().length - 2))
                            .isEqualTo("a RAM disk");
                    case Nbd.INFO_BLOCK_SIZE -> {
                        sawBlockSize = true;
                        assertThat(b.getInt()).isEqualTo(512);
                        assertThat(b.getInt()).isEqualTo(4096);
                        assertThat(b.getInt()).isEqualTo(32 << 20);
                    }
                    default -> throw new AssertionError("unexpected info");
                }
            }
            assertThat(sawExport && sawBlockSize).isTrue();
            // still negotiating: INFO does not enter transmission
            c.option(Nbd.OPT_INFO, TestClient.infoData("nope"));
            TestClient.OptReply unknown = c.optReply();
            assertThat(unknown.type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
            assertThat(unknown.text()).contains("nope");
        }
    }

    @Test
    void malformedAndUnknownOptionsGetErrorsAndNegotiationGoesOn() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            c.option(Nbd.OPT_GO, new byte[] {0, 0, 0, 9, 'x'});
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
            c.option(42, new byte[] {1, 2, 3});
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_UNSUP);
            c.option(Nbd.OPT_STARTTLS, new byte[0]);
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_UNSUP); // no TLS configured
            c.option(Nbd.OPT_SET_META_CONTEXT, TestClient.metaData("ram", Nbd.BASE_ALLOCATION));
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_INVALID); // needs structured replies first
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[] {0});
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
            // an option longer than the server takes is skipped and refused
            c.option(Nbd.OPT_INFO, new byte[100_000]);
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_TOO_BIG);
            List<TestClient.OptReply> go = c.go("ram");
            assertThat(go.get(go.size() - 1).type()).isEqualTo(Nbd.REP_ACK);
            assertThat(c.read(0, 512)).hasSize(512);
            c.disconnect();
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void metaContextsListAndSetBaseAllocation() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            c.option(Nbd.OPT_LIST_META_CONTEXT, TestClient.metaData("ram"));
            List<TestClient.OptReply> all = c.optReplies();
            assertThat(all).hasSize(2);
            assertThat(new String(all.get(0).data(), 4, all.get(0).data().length - 4)).isEqualTo("base:allocation");
            c.option(Nbd.OPT_LIST_META_CONTEXT, TestClient.metaData("ram", "qemu:dirty-bitmap:x"));
            assertThat(c.optReplies()).hasSize(1);
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ACK);
            c.option(Nbd.OPT_SET_META_CONTEXT, TestClient.metaData("ram", Nbd.BASE_ALLOCATION, "other:x"));
            List<TestClient.OptReply> set = c.optReplies();
            assertThat(set).hasSize(2);
            assertThat(ByteBuffer.wrap(set.get(0).data()).getInt()).isEqualTo(Nbd.BASE_ALLOCATION_ID);
            c.option(Nbd.OPT_SET_META_CONTEXT, TestClient.metaData("nope", Nbd.BASE_ALLOCATION));
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_UNKNOWN);
        }
    }

    @Test
    void exportNameEntersTransmissionWithOrWithoutZeroes() throws Exception {
        for (int flags : new int[] {Nbd.FLAG_FIXED_NEWSTYLE, Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES}) {
            try (TestClient c = new TestClient(f.port())) {
                c.clientFlags(flags);
                c.option(Nbd.OPT_EXPORT_NAME, new byte[0]); // the default export
                assertThat(c.in.readLong()).isEqualTo(16L << 20);
                assertThat(c.in.readUnsignedShort() & Nbd.TF_HAS_FLAGS).isNotZero();
                if ((flags & Nbd.FLAG_NO_ZEROES) == 0) {
                    c.in.readFully(new byte[124]);
                }
                assertThat(c.write(4096, filled(4096, 3), 0)).isZero();
                assertThat(c.read(4096, 4096)).isEqualTo(filled(4096, 3));
            }
        }
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            c.option(Nbd.OPT_EXPORT_NAME, "missing".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void abortIsAcknowledgedAndCloses() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            c.option(Nbd.OPT_ABORT, new byte[0]);
            assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ACK);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownClientFlagsClose() throws Exception {
        try (TestClient c = new TestClient(f.port())) {
            c.clientFlags(0x80);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    // ---- transmission -----------------------------------------------------------------------------------------------

    @Test
    void dataWrittenIsReadBackSimpleAndStructured() throws Exception {
        Random rnd = new Random(7);
        for (boolean structured : new boolean[] {false, true}) {
            try (TestClient c = TestClient.connected(f.port(), "ram", structured)) {
                for (int i = 0; i < 50; i++) {
                    int len = (1 + rnd.nextInt(256)) * 512;
                    long off = (long) rnd.nextInt((int) (c.size - len) / 512) * 512;
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    assertThat(c.write(off, data, i % 2 == 0 ? Nbd.CMD_FLAG_FUA : 0)).isZero();
                    assertThat(c.read(off, len)).isEqualTo(data);
                }
                // a large request, as one payload
                byte[] big = new byte[8 << 20];
                rnd.nextBytes(big);
                assertThat(c.write(0, big, 0)).isZero();
                assertThat(c.read(0, big.length)).isEqualTo(big);
                assertThat(c.simple(Nbd.CMD_FLUSH, 0, 0, 0)).isZero();
                c.disconnect();
                assertThat(c.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void pipelinedRequestsAllGetTheirReplies() throws Exception {
        try (TestClient c = TestClient.connected(f.port(), "ram", false)) {
            int n = 600; // more than max outstanding: reading pauses and resumes
            for (int i = 0; i < n; i++) {
                c.request(Nbd.CMD_WRITE, 0, 1000 + i, i * 4096L, 4096, filled(4096, i));
            }
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                TestClient.Reply r = c.reply(0);
                assertThat(r.error()).isZero();
                seen[(int) (r.cookie() - 1000)] = true;
            }
            for (boolean s : seen) {
                assertThat(s).isTrue();
            }
            for (int i = 0; i < n; i += 97) {
                assertThat(c.read(i * 4096L, 4096)).isEqualTo(filled(4096, i));
            }
        }
    }

    @Test
    void trimWriteZeroesCacheAndBlockStatus() throws Exception {
        try (TestClient c = TestClient.connected(f.port(), "ram", true)) {
            assertThat(c.write(0, filled(65536, 9), 0)).isZero();
            assertThat(c.simple(Nbd.CMD_WRITE_ZEROES, Nbd.CMD_FLAG_NO_HOLE, 4096, 8192)).isZero();
            byte[] back = c.read(0, 65536);
            assertThat(Arrays.copyOfRange(back, 4096, 12288)).isEqualTo(new byte[8192]);
            assertThat(Arrays.copyOfRange(back, 0, 4096)).isEqualTo(Arrays.copyOfRange(filled(65536, 9), 0, 4096));
            assertThat(c.simple(Nbd.CMD_WRITE_ZEROES, Nbd.CMD_FLAG_FAST_ZERO, 12288, 4096)).isZero();
            assertThat(c.read(12288, 4096)).isEqualTo(new byte[4096]);
            assertThat(c.simple(Nbd.CMD_TRIM, 0, 32768, 32768)).isZero();
            assertThat(c.simple(Nbd.CMD_CACHE, 0, 0, 65536)).isZero();
            c.request(Nbd.CMD_BLOCK_STATUS, Nbd.CMD_FLAG_REQ_ONE, 5, 0, 1 << 20, null);
            TestClient.Reply bs = c.reply(0);
            assertThat(bs.error()).isZero();
            ByteBuffer b = ByteBuffer.wrap(bs.data());
            assertThat(b.getInt()).isEqualTo(Nbd.BASE_ALLOCATION_ID);
            assertThat(b.getInt()).isEqualTo(1 << 20);
            assertThat(b.getInt()).isZero(); // data, allocated
        }
    }

    @Test
    void badRequestsGetTheProtocolsErrorsAndTheConnectionGoesOn() throws Exception {
        try (TestClient c = TestClient.connected(f.port(), "ram", false)) {
            long size = c.size;
            assertThat(c.write(size - 512, new byte[1024], 0)).isEqualTo(Nbd.ENOSPC);
            assertThat(c.simple(Nbd.CMD_WRITE_ZEROES, 0, size, 512)).isEqualTo(Nbd.ENOSPC);
            assertThat(c.simple(Nbd.CMD_TRIM, 0, -512, 512)).isEqualTo(Nbd.ENOSPC);
            c.request(Nbd.CMD_READ, 0, 1, size, 512, null);
            assertThat(c.reply(512).error()).isEqualTo(Nbd.EINVAL);
            c.request(Nbd.CMD_READ, 0, 1, Long.MAX_VALUE - 100, 512, null);
            assertThat(c.reply(512).error()).isEqualTo(Nbd.EINVAL);
            c.request(Nbd.CMD_READ, 0, 1, 100, 512, null); // misaligned
            assertThat(c.reply(512).error()).isEqualTo(Nbd.EINVAL);
            c.request(Nbd.CMD_READ, 0, 1, 0, 64 << 20, null); // larger than the maximum
            assertThat(c.reply(0).error()).isEqualTo(Nbd.EINVAL);
            c.request(Nbd.CMD_READ, 0x100, 1, 0, 512, null); // unknown flag
            assertThat(c.reply(512).error()).isEqualTo(Nbd.EINVAL);
            assertThat(c.simple(99, 0, 0, 0)).isEqualTo(Nbd.EINVAL); // unknown command
            c.request(Nbd.CMD_BLOCK_STATUS, 0, 1, 0, 512, null); // no meta context negotiated
            assertThat(c.reply(0).error()).isEqualTo(Nbd.EINVAL);
            // a WRITE larger than the maximum: its payload is skipped, the stream stays in step
            byte[] huge = new byte[(32 << 20) + 512];
            assertThat(c.write(0, huge, 0)).isEqualTo(Nbd.EOVERFLOW);
            assertThat(c.write(0, filled(512, 1), 0)).isZero();
            assertThat(c.read(0, 512)).isEqualTo(filled(512, 1));
        }
    }

    @Test
    void readOnlyExportRefusesWritesWithEperm() throws Exception {
        f.engine.addExport("cfg-ro", new NbdExport("ro", "Ram0", true, false, "", NbdExport.MultiConn.AUTO));
        try (TestClient c = TestClient.connected(f.port(), "ro", true)) {
            assertThat(c.flags & Nbd.TF_READ_ONLY).isNotZero();
            assertThat(c.write(0, new byte[512], 0)).isEqualTo(Nbd.EPERM);
            assertThat(c.simple(Nbd.CMD_TRIM, 0, 0, 512)).isEqualTo(Nbd.EPERM);
            assertThat(c.simple(Nbd.CMD_WRITE_ZEROES, 0, 0, 512)).isEqualTo(Nbd.EPERM);
            assertThat(c.simple(Nbd.CMD_FLUSH, 0, 0, 0)).isZero();
            assertThat(c.read(0, 512)).hasSize(512);
        }
    }

    @Test
    void garbageClosesOnlyThatConnection() throws Exception {
        try (TestClient good = TestClient.connected(f.port(), "ram", false);
             TestClient bad = TestClient.connected(f.port(), "ram", false)) {
            bad.out.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27, 28});
            bad.out.flush();
            assertThat(bad.closedByServer()).isTrue();
            assertThat(good.write(0, filled(512, 5), 0)).isZero();
            assertThat(good.read(0, 512)).isEqualTo(filled(512, 5));
        }
        try (TestClient bad = new TestClient(f.port())) {
            bad.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
            bad.out.writeLong(0x1234); // not IHAVEOPT
            bad.out.writeLong(0);
            bad.out.flush();
            assertThat(bad.closedByServer()).isTrue();
        }
    }

    @Test
    void abruptDisconnectMidWriteLeaksNothing() throws Exception {
        for (int i = 0; i < 20; i++) {
            TestClient c = TestClient.connected(f.port(), "ram", i % 2 == 0);
            c.out.writeInt(Nbd.REQUEST_MAGIC);
            c.out.writeShort(0);
            c.out.writeShort(Nbd.CMD_WRITE);
            c.out.writeLong(1);
            c.out.writeLong(0);
            c.out.writeInt(1 << 20);
            c.out.write(new byte[300_000]); // part of the payload, then gone
            c.out.flush();
            c.socket.setSoLinger(true, 0);
            c.close();
        }
        f.awaitQuiet();
        try (TestClient c = TestClient.connected(f.port(), "ram", false)) {
            assertThat(c.read(0, 4096)).hasSize(4096);
        }
    }

    @Test
    void negotiationTimeoutClosesIdleClients() throws Exception {
        try (EngineFixture short1 = new EngineFixture(NbdEngine.Settings.defaults("127.0.0.1", 0)
                .withLimits(32 << 20, 256, 200))) {
            try (TestClient c = new TestClient(short1.port())) {
                c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
                assertThat(c.closedByServer()).isTrue();
            }
            short1.awaitQuiet();
        }
    }

    static byte[] filled(int len, int seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }
}
