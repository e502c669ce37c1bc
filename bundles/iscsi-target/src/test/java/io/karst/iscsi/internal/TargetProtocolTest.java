package io.karst.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.iscsi.internal.MiniInitiator.Rx;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The target over TCP, driven PDU by PDU: login, data transfer flows, errors at the wire. */
class TargetProtocolTest {
    static TestTarget target;

    @BeforeAll
    static void start() throws Exception {
        target = new TestTarget(Map.of(), 65536);
    }

    @AfterAll
    static void stop() {
        target.close();
    }

    static Map<String, String> ops(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Clears the power-on unit attention of a fresh nexus. */
    static void clearUa(MiniInitiator i, int lun) throws Exception {
        i.command(lun, new byte[6], false, false, 0, null, true);
        Rx r = i.receive();
        assertThat(r.opcode()).isEqualTo(0x21);
    }

    @Test
    void discoveryListsTargetsWithPortals() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(null, ops("HeaderDigest", "None", "MaxRecvDataSegmentLength", "8192"));
            byte[] b = MiniInitiator.bhs(0x44 | 0x40, 0x80);
            ByteBuffer.wrap(b).putInt(16, 77).putInt(20, -1).putInt(24, i.cmdSN).putInt(28, i.expStatSN);
            i.send(b, MiniInitiator.ascii("SendTargets=All\0"));
            Rx r = i.receive();
            assertThat(r.opcode()).isEqualTo(0x24);
            String text = new String(r.data());
            assertThat(text).contains("TargetName=iqn.2016-06.io.karst:test\0TargetAddress=" + target.portal() + ",1\0");
            assertThat(text).contains("TargetName=iqn.2016-06.io.karst:chap");
            // a SCSI command in a discovery session is a protocol error: the target closes the connection
            i.command(0, new byte[6], false, false, 0, null, true);
            assertThat(i.closedByTarget()).isTrue();
        }
    }

    @Test
    void writeThroughR2tsWithDigestsAndReadBackInSmallPdus() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            Map<String, String> neg = i.login(TestTarget.IQN, ops("HeaderDigest", "CRC32C,None", "DataDigest",
                    "CRC32C", "InitialR2T", "Yes", "ImmediateData", "No", "MaxBurstLength", "2048",
                    "FirstBurstLength", "1024", "MaxRecvDataSegmentLength", "512", "MaxOutstandingR2T", "2"));
            assertThat(neg).containsEntry("HeaderDigest", "CRC32C").containsEntry("DataDigest", "CRC32C")
                    .containsEntry("InitialR2T", "Yes").containsEntry("ImmediateData", "No")
                    .containsEntry("MaxBurstLength", "2048").containsEntry("MaxOutstandingR2T", "2")
                    .containsKey("MaxRecvDataSegmentLength");
            clearUa(i, 0);
            byte[] data = random(16 * 512 - 0, 1);
            int itt = i.command(0, MiniInitiator.write10(100, 16), false, true, data.length, null, true);
            int r2tCount = 0;
            int done = 0;
            while (done < data.length) {
                Rx r2t = i.receive();
                assertThat(r2t.opcode()).isEqualTo(0x31);
                assertThat(r2t.u32(16)).isEqualTo(itt);
                int ttt = r2t.u32(20);
                int offset = r2t.u32(40);
                int length = r2t.u32(44);
                assertThat(length).isLessThanOrEqualTo(2048);
                r2tCount++;
                for (int sent = 0, sn = 0; sent < length; sent += 512, sn++) {
                    i.dataOut(0, ttt, itt, sn, offset + sent, Arrays.copyOfRange(data, offset + sent,
                            offset + sent + 512), sent + 512 == length);
                }
                done += length;
            }
            Rx resp = i.receive();
            assertThat(resp.opcode()).isEqualTo(0x21);
            assertThat(resp.status()).isZero();
            assertThat(r2tCount).isEqualTo(4);
            i.command(0, MiniInitiator.read10(100, 16), true, false, data.length, null, true);
            byte[] back = new byte[data.length];
            int pdus = 0;
            while (true) {
                Rx din = i.receive();
                assertThat(din.opcode()).isEqualTo(0x25);
                System.arraycopy(din.data(), 0, back, din.u32(40), din.data().length);
                assertThat(din.data().length).isLessThanOrEqualTo(512);
                pdus++;
                if ((din.flags() & 0x01) != 0) {
                    assertThat(din.status()).isZero(); // status collapsed into the last Data-In
                    break;
                }
            }
            assertThat(pdus).isEqualTo(16);
            assertThat(back).isEqualTo(data);
            assertThat(i.logout().opcode()).isEqualTo(0x26);
        }
    }

    @Test
    void immediateAndUnsolicitedDataThenR2t() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops("InitialR2T", "No", "ImmediateData", "Yes", "FirstBurstLength", "1024",
                    "MaxBurstLength", "4096"));
            clearUa(i, 0);
            byte[] data = random(8 * 512, 2);
            int itt = i.command(0, MiniInitiator.write10(300, 8), false, true, data.length,
                    Arrays.copyOf(data, 512), false);
            i.dataOut(0, -1, itt, 0, 512, Arrays.copyOfRange(data, 512, 1024), true);
            Rx r2t = i.receive();
            assertThat(r2t.opcode()).isEqualTo(0x31);
            assertThat(r2t.u32(40)).isEqualTo(1024);
            assertThat(r2t.u32(44)).isEqualTo(data.length - 1024);
            i.dataOut(0, r2t.u32(20), itt, 0, 1024, Arrays.copyOfRange(data, 1024, data.length), true);
            assertThat(i.receive().status()).isZero();
            i.command(0, MiniInitiator.read10(300, 8), true, false, data.length, null, true);
            Rx din = i.receive();
            assertThat(din.data()).isEqualTo(data);
            // residual: read of 8 blocks with EDTL of 16 blocks is an underflow of 8 blocks
            i.command(0, MiniInitiator.read10(300, 8), true, false, 2 * data.length, null, true);
            Rx under = i.receive();
            assertThat(under.flags() & 0x03).isEqualTo(0x03); // S and U
            assertThat(under.u32(44)).isEqualTo(data.length);
        }
    }

    @Test
    void wrongDataSnFailsTheCommandAndTheSessionGoesOn() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops("InitialR2T", "Yes", "ImmediateData", "No"));
            clearUa(i, 0);
            int itt = i.command(0, MiniInitiator.write10(0, 2), false, true, 1024, null, true);
            Rx r2t = i.receive();
            i.dataOut(0, r2t.u32(20), itt, 0, 0, new byte[512], false);
            i.dataOut(0, r2t.u32(20), itt, 0, 512, new byte[512], true); // DataSN should be 1
            Rx resp = i.receive();
            assertThat(resp.opcode()).isEqualTo(0x21);
            assertThat(resp.status()).isEqualTo(2);
            assertThat(i.nop(MiniInitiator.ascii("ping")).opcode()).isEqualTo(0x20);
        }
    }

    @Test
    void nopPingEchoesDataAndOutOfWindowCommandsAreIgnored() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops());
            Rx nop = i.nop(MiniInitiator.ascii("hello12"));
            assertThat(nop.opcode()).isEqualTo(0x20);
            assertThat(new String(nop.data())).isEqualTo("hello12");
            int good = i.cmdSN;
            i.cmdSN = good + 1000;
            i.command(0, new byte[6], false, false, 0, null, true); // far outside the window: ignored
            i.cmdSN = good;
            i.command(0, new byte[6], false, false, 0, null, true);
            Rx r = i.receive();
            assertThat(r.opcode()).isEqualTo(0x21);
            assertThat(r.u32(16)).isEqualTo(i.itt - 1);
        }
    }

    @Test
    void headerDigestErrorClosesTheConnection() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops("HeaderDigest", "CRC32C"));
            byte[] b = MiniInitiator.bhs(0x40, 0x80);
            ByteBuffer.wrap(b).putInt(16, 5).putInt(20, -1).putInt(24, i.cmdSN);
            byte[] wire = Arrays.copyOf(b, 52);
            ByteBuffer.wrap(wire).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(48, 0x12345678);
            i.out.write(wire);
            i.out.flush();
            assertThat(i.closedByTarget()).isTrue();
        }
    }

    @Test
    void oversizeSegmentAndUnknownOpcodeCloseTheConnection() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops());
            byte[] b = MiniInitiator.bhs(0x40, 0x80);
            b[5] = 0x7F; // 8 MiB data segment announced
            i.out.write(b);
            i.out.flush();
            assertThat(i.closedByTarget()).isTrue();
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops());
            i.send(MiniInitiator.bhs(0x1C, 0x80), null);
            assertThat(i.closedByTarget()).isTrue();
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            // garbage instead of a login
            i.out.write(random(48, 9));
            i.out.flush();
            assertThat(i.closedByTarget()).isTrue();
        }
    }

    @Test
    void chapOneWayAndMutual() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            Rx r = i.loginRequest(0, 1, false, ops("InitiatorName", "iqn.2020-01.test:mini", "TargetName",
                    "iqn.2016-06.io.karst:chap", "AuthMethod", "None"));
            assertThat(r.bhs()[36]).isEqualTo((byte) 2); // CHAP required: None refused
            assertThat(r.bhs()[37]).isEqualTo((byte) 1);
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            assertThat(chapLogin(i, "iqn.2016-06.io.karst:chap", "alicesecret12", false)).isEqualTo(0);
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            assertThat(chapLogin(i, "iqn.2016-06.io.karst:chap", "wrongsecret1", false)).isEqualTo(0x0201);
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            assertThat(chapLogin(i, "iqn.2016-06.io.karst:mutual", "alicesecret12", false)).isEqualTo(0x0201);
        }
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            assertThat(chapLogin(i, "iqn.2016-06.io.karst:mutual", "alicesecret12", true)).isEqualTo(0);
        }
    }

    /** CHAP login; returns the status of the last response (0 when logged in). */
    static int chapLogin(MiniInitiator i, String target, String secret, boolean mutual) throws Exception {
        Rx r = i.loginRequest(0, 1, false, ops("InitiatorName", "iqn.2020-01.test:mini", "TargetName", target,
                "AuthMethod", "CHAP,None"));
        assertThat(r.keys()).containsEntry("AuthMethod", "CHAP");
        r = i.loginRequest(0, 1, false, ops("CHAP_A", "5"));
        int id = Integer.parseInt(r.keys().get("CHAP_I"));
        byte[] challenge = HexFormat.of().parseHex(r.keys().get("CHAP_C").substring(2));
        Map<String, String> resp = ops("CHAP_N", "alice", "CHAP_R", MiniInitiator.chapHex(id, secret, challenge));
        byte[] myChallenge = random(16, 5);
        if (mutual) {
            resp.put("CHAP_I", "77");
            resp.put("CHAP_C", "0x" + HexFormat.of().formatHex(myChallenge));
        }
        r = i.loginRequest(0, 1, true, resp);
        int status = ((r.bhs()[36] & 0xFF) << 8) | (r.bhs()[37] & 0xFF);
        if (status != 0) {
            return status;
        }
        if (mutual) {
            assertThat(r.keys()).containsEntry("CHAP_N", "target");
            assertThat(r.keys().get("CHAP_R")).isEqualTo(MiniInitiator.chapHex(77, "targetsecret12", myChallenge));
        }
        assertThat(r.flags() & 0x80).isEqualTo(0x80);
        r = i.loginRequest(1, 3, true, ops());
        return ((r.bhs()[36] & 0xFF) << 8) | (r.bhs()[37] & 0xFF);
    }

    @Test
    void abortOfATaskWaitingForDataAndSessionReinstatement() throws Exception {
        try (MiniInitiator i = new MiniInitiator(target.address())) {
            i.login(TestTarget.IQN, ops("InitialR2T", "Yes", "ImmediateData", "No"));
            clearUa(i, 0);
            int itt = i.command(0, MiniInitiator.write10(0, 2), false, true, 1024, null, true);
            assertThat(i.receive().opcode()).isEqualTo(0x31);
            byte[] b = MiniInitiator.bhs(0x42, 0x80 | 1);
            ByteBuffer.wrap(b).putInt(16, 999).putInt(20, itt).putInt(24, i.cmdSN).putInt(28, i.expStatSN);
            i.send(b, null);
            Rx tmf = i.receive();
            assertThat(tmf.opcode()).isEqualTo(0x22);
            assertThat(tmf.bhs()[2]).isEqualTo((byte) 0);
            // a second login with the same ISID reinstates the session: the first connection is closed
            try (MiniInitiator j = new MiniInitiator(target.address())) {
                j.isid = i.isid;
                j.login(TestTarget.IQN, ops());
                assertThat(i.closedByTarget()).isTrue();
                assertThat(j.nop(MiniInitiator.ascii("x")).opcode()).isEqualTo(0x20);
            }
        }
    }

    @Test
    void hotRemovedBdevTakesItsLunAwayAndTheSessionStays() throws Exception {
        try (TestTarget own = new TestTarget(Map.of(), 4096);
             MiniInitiator i = new MiniInitiator(own.address())) {
            i.login(TestTarget.IQN, ops());
            clearUa(i, 1);
            var malloc1 = own.bdevs.registry().find("Malloc1").orElseThrow();
            assertThat(malloc1.holders()).hasSize(1);
            assertThat(malloc1.holders().get(0).claim()).isEqualTo(io.karst.bdev.ClaimType.READ_MANY_WRITE_SHARED);
            own.bdevs.unregister(own.malloc1); // hot-remove

            i.command(1, MiniInitiator.read10(0, 1), true, false, 4096, null, true);
            Rx r = i.receive();
            assertThat(r.opcode()).isEqualTo(0x21);
            assertThat(r.status()).isEqualTo(2);
            assertThat(r.data()[2 + 12]).isEqualTo((byte) 0x25); // LOGICAL UNIT NOT SUPPORTED
            byte[] rl = new byte[12];
            rl[0] = (byte) 0xA0;
            rl[9] = (byte) 0xFF;
            i.command(0, rl, true, false, 255, null, true);
            Rx luns = i.receive();
            assertThat(ByteBuffer.wrap(luns.data()).getInt(0)).isEqualTo(8); // only LUN 0 remains
            assertThat(i.nop(MiniInitiator.ascii("still")).opcode()).isEqualTo(0x20);
        }
    }

}
