package io.karst.iscsi.internal;

import io.karst.iscsi.internal.login.Login;
import io.karst.iscsi.internal.login.TextKeys;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/** A small blocking iSCSI initiator for protocol tests: builds PDUs byte by byte, so tests can also break them. */
final class MiniInitiator implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    boolean headerDigest;
    boolean dataDigest;
    int cmdSN = 1;
    int expStatSN;
    int itt = 0x100;
    long isid = 0x23d000000001L;
    int tsih;
    int maxCmdSN;

    MiniInitiator(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A received PDU: header and data segment. */
    record Rx(byte[] bhs, byte[] data) {
        int opcode() {
            return bhs[0] & 0x3F;
        }

        int flags() {
            return bhs[1] & 0xFF;
        }

        int u32(int at) {
            return ByteBuffer.wrap(bhs).getInt(at);
        }

        int status() {
            return bhs[3] & 0xFF;
        }

        Map<String, String> keys() {
            Map<String, String> m = new LinkedHashMap<>();
            for (TextKeys.Pair p : TextKeys.parse(data)) {
                m.put(p.key(), p.value());
            }
            return m;
        }
    }

    static byte[] bhs(int opcode, int flags) {
        byte[] b = new byte[48];
        b[0] = (byte) opcode;
        b[1] = (byte) flags;
        return b;
    }

    static void put32(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).putInt(at, v);
    }

    void send(byte[] bhs, byte[] data) throws IOException {
        int dsl = data == null ? 0 : data.length;
        bhs[5] = (byte) (dsl >>> 16);
        bhs[6] = (byte) (dsl >>> 8);
        bhs[7] = (byte) dsl;
        sendRaw(bhs, data, headerDigest, dataDigest);
    }

    void sendRaw(byte[] bhs, byte[] data, boolean hd, boolean dd) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(48 + 4 + (data == null ? 0 : data.length + 8));
        b.put(bhs);
        if (hd) {
            b.order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(crc(bhs, 0, 48)).order(java.nio.ByteOrder.BIG_ENDIAN);
        }
        if (data != null && data.length > 0) {
            int pad = (4 - (data.length & 3)) & 3;
            byte[] padded = java.util.Arrays.copyOf(data, data.length + pad);
            b.put(padded);
            if (dd) {
                b.order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(crc(padded, 0, padded.length))
                        .order(java.nio.ByteOrder.BIG_ENDIAN);
            }
        }
        out.write(b.array(), 0, b.position());
        out.flush();
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    Rx receive() throws IOException {
        byte[] bhs = new byte[48];
        in.readFully(bhs);
        int ahs = (bhs[4] & 0xFF) * 4;
        in.skipNBytes(ahs);
        if (headerDigest) {
            byte[] d = new byte[4];
            in.readFully(d);
            int got = ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            if (got != crc(bhs, 0, 48)) {
                throw new IOException("bad header digest from target");
            }
        }
        int dsl = ((bhs[5] & 0xFF) << 16) | ((bhs[6] & 0xFF) << 8) | (bhs[7] & 0xFF);
        int padded = (dsl + 3) & ~3;
        byte[] data = new byte[padded];
        in.readFully(data);
        if (dataDigest && dsl > 0) {
            byte[] d = new byte[4];
            in.readFully(d);
            int got = ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            if (got != crc(data, 0, padded)) {
                throw new IOException("bad data digest from target");
            }
        }
        Rx rx = new Rx(bhs, java.util.Arrays.copyOf(data, dsl));
        int op = rx.opcode();
        if (op != 0x31 && op != 0x23 && !(op == 0x25 && (rx.flags() & 1) == 0)
                && !(op == 0x20 && rx.u32(16) == -1)) {
            expStatSN = rx.u32(24) + 1;
        }
        if (op != 0x23) {
            maxCmdSN = rx.u32(32);
        }
        return rx;
    }

    /** One login request; returns the response. */
    Rx loginRequest(int csg, int nsg, boolean transit, Map<String, String> keys) throws IOException {
        byte[] b = bhs(0x43, (transit ? 0x80 : 0) | (csg << 2) | (transit ? nsg : 0));
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putLong(8, (isid << 16) | tsih);
        bb.putInt(16, itt++);
        bb.putInt(24, cmdSN);
        bb.putInt(28, expStatSN);
        send(b, TextKeys.encode(keys));
        Rx r = receive();
        expStatSN = r.u32(24) + 1;
        return r;
    }

    /** Logs in (no CHAP) and negotiates the given operational keys; returns the final response's keys. */
    Map<String, String> login(String target, Map<String, String> op) throws IOException {
        Map<String, String> first = new LinkedHashMap<>();
        first.put("InitiatorName", "iqn.2020-01.test:mini");
        if (target == null) {
            first.put("SessionType", "Discovery");
        } else {
            first.put("TargetName", target);
        }
        first.put("AuthMethod", "None");
        Rx r = loginRequest(0, 1, true, first);
        if ((r.bhs()[36] & 0xFF) != 0) {
            throw new IOException("login failed: " + HexFormat.of().formatHex(r.bhs(), 36, 38));
        }
        Rx r2 = loginRequest(1, 3, true, op);
        if ((r2.bhs()[36] & 0xFF) != 0) {
            throw new IOException("login failed: " + HexFormat.of().formatHex(r2.bhs(), 36, 38));
        }
        tsih = ByteBuffer.wrap(r2.bhs()).getShort(14) & 0xFFFF;
        Map<String, String> result = r2.keys();
        headerDigest = "CRC32C".equals(result.get("HeaderDigest"));
        dataDigest = "CRC32C".equals(result.get("DataDigest"));
        return result;
    }

    /** SCSI command PDU; returns the ITT. */
    int command(int lun, byte[] cdb, boolean read, boolean write, int edtl, byte[] immediate, boolean finalBit)
            throws IOException {
        byte[] b = bhs(0x01, (finalBit ? 0x80 : 0) | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 0x01);
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putShort(8, (short) lun);
        int t = itt++;
        bb.putInt(16, t);
        bb.putInt(20, edtl);
        bb.putInt(24, cmdSN++);
        bb.putInt(28, expStatSN);
        System.arraycopy(cdb, 0, b, 32, cdb.length);
        send(b, immediate);
        return t;
    }

    void dataOut(int lun, int ttt, int taskItt, int dataSN, int offset, byte[] data, boolean finalBit)
            throws IOException {
        byte[] b = bhs(0x05, finalBit ? 0x80 : 0);
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putShort(8, (short) lun);
        bb.putInt(16, taskItt);
        bb.putInt(20, ttt);
        bb.putInt(28, expStatSN);
        bb.putInt(36, dataSN);
        bb.putInt(40, offset);
        send(b, data);
    }

    static byte[] read10(long lba, int blocks) {
        byte[] c = new byte[10];
        c[0] = 0x28;
        ByteBuffer.wrap(c).putInt(2, (int) lba).putShort(7, (short) blocks);
        return c;
    }

    static byte[] write10(long lba, int blocks) {
        byte[] c = read10(lba, blocks);
        c[0] = 0x2A;
        return c;
    }

    Rx nop(byte[] ping) throws IOException {
        byte[] b = bhs(0x40, 0x80);
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putInt(16, itt++);
        bb.putInt(20, -1);
        bb.putInt(24, cmdSN);
        bb.putInt(28, expStatSN);
        send(b, ping);
        return receive();
    }

    Rx logout() throws IOException {
        byte[] b = bhs(0x46, 0x80);
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putInt(16, itt++);
        bb.putInt(24, cmdSN);
        bb.putInt(28, expStatSN);
        send(b, null);
        return receive();
    }

    /** True when the target closed the connection (EOF) within the socket timeout. */
    boolean closedByTarget() {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return e instanceof java.net.SocketException;
        }
    }

    static String chapHex(int id, String secret, byte[] challenge) {
        return "0x" + HexFormat.of().formatHex(Login.chapResponse(id, secret, challenge));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static List<String> list(String... s) {
        return List.of(s);
    }
}
