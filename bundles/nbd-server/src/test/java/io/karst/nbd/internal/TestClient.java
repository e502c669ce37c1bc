package io.karst.nbd.internal;

import io.karst.nbd.protocol.Nbd;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A small blocking NBD client speaking the raw protocol, for tests (including malformed input). */
final class TestClient implements AutoCloseable {
    final Socket socket;
    DataInputStream in;
    DataOutputStream out;
    long size;
    int flags;
    boolean structured;
    int handshakeFlags;

    TestClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
        if (in.readLong() != Nbd.NBDMAGIC || in.readLong() != Nbd.IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        handshakeFlags = in.readUnsignedShort();
    }

    void streams(InputStream i, OutputStream o) {
        in = new DataInputStream(i);
        out = new DataOutputStream(o);
    }

    void clientFlags(int f) throws IOException {
        out.writeInt(f);
        out.flush();
    }

    void option(int opt, byte[] data) throws IOException {
        out.writeLong(Nbd.IHAVEOPT);
        out.writeInt(opt);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    record OptReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    OptReply optReply() throws IOException {
        long magic = in.readLong();
        if (magic != Nbd.OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic " + Long.toHexString(magic));
        }
        int opt = in.readInt();
        int type = in.readInt();
        int len = in.readInt();
        byte[] d = new byte[len];
        in.readFully(d);
        return new OptReply(opt, type, d);
    }

    /** Replies up to and including the final ACK or error. */
    List<OptReply> optReplies() throws IOException {
        List<OptReply> l = new ArrayList<>();
        while (true) {
            OptReply r = optReply();
            l.add(r);
            if (r.type() == Nbd.REP_ACK || r.type() < 0) {
                return l;
            }
        }
    }

    static byte[] infoData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    static byte[] metaData(String name, String... queries) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int len = 4 + n.length + 4;
        for (String q : queries) {
            len += 4 + q.getBytes(StandardCharsets.UTF_8).length;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len);
        b.putInt(n.length).put(n).putInt(queries.length);
        for (String q : queries) {
            byte[] qb = q.getBytes(StandardCharsets.UTF_8);
            b.putInt(qb.length).put(qb);
        }
        return b.array();
    }

    /** Fixed newstyle + GO on an export; returns the replies. */
    List<OptReply> go(String name) throws IOException {
        option(Nbd.OPT_GO, infoData(name, Nbd.INFO_BLOCK_SIZE));
        List<OptReply> r = optReplies();
        for (OptReply o : r) {
            if (o.type() == Nbd.REP_INFO) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(o.data());
                if (b.getShort() == Nbd.INFO_EXPORT) {
                    size = b.getLong();
                    flags = b.getShort() & 0xffff;
                }
            }
        }
        return r;
    }

    static TestClient connected(int port, String export, boolean structured) throws IOException {
        TestClient c = new TestClient(port);
        c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        if (structured) {
            c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
            if (c.optReply().type() != Nbd.REP_ACK) {
                throw new IOException("no structured replies");
            }
            c.structured = true;
            c.option(Nbd.OPT_SET_META_CONTEXT, metaData(export, Nbd.BASE_ALLOCATION));
            c.optReplies();
        }
        List<OptReply> r = c.go(export);
        if (r.get(r.size() - 1).type() != Nbd.REP_ACK) {
            throw new IOException("GO failed: " + r.get(r.size() - 1).text());
        }
        return c;
    }

    void request(int type, int flags, long cookie, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(Nbd.REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** A reply: error, cookie and data (read data, block status descriptors). */
    record Reply(int error, long cookie, byte[] data, String message) {
    }

    /** Reads one complete reply (all chunks of a structured reply). {@code readLength} for simple READ replies. */
    Reply reply(long readLength) throws IOException {
        int magic = in.readInt();
        if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long cookie = in.readLong();
            byte[] d = new byte[0];
            if (error == 0 && readLength > 0) {
                d = new byte[(int) readLength];
                in.readFully(d);
            }
            return new Reply(error, cookie, d, null);
        }
        if (magic != Nbd.STRUCTURED_REPLY_MAGIC) {
            throw new IOException("bad reply magic " + Integer.toHexString(magic));
        }
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        int error = 0;
        String message = null;
        long cookie;
        while (true) {
            int f = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            cookie = in.readLong();
            int len = in.readInt();
            byte[] chunk = new byte[len];
            in.readFully(chunk);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(chunk);
            if (type == Nbd.REPLY_TYPE_OFFSET_DATA) {
                b.getLong();
                data.write(chunk, 8, len - 8);
            } else if (type == Nbd.REPLY_TYPE_BLOCK_STATUS) {
                data.write(chunk, 0, len);
            } else if (type == Nbd.REPLY_TYPE_ERROR) {
                error = b.getInt();
                int ml = b.getShort() & 0xffff;
                message = new String(chunk, 6, ml, StandardCharsets.UTF_8);
            }
            if ((f & Nbd.REPLY_FLAG_DONE) != 0) {
                break;
            }
            if (in.readInt() != Nbd.STRUCTURED_REPLY_MAGIC) {
                throw new IOException("bad chunk magic");
            }
        }
        return new Reply(error, cookie, data.toByteArray(), message);
    }

    byte[] read(long offset, int length) throws IOException {
        request(Nbd.CMD_READ, 0, 7, offset, length, null);
        Reply r = reply(length);
        if (r.error() != 0) {
            throw new IOException("read error " + r.error());
        }
        return r.data();
    }

    int write(long offset, byte[] data, int flags) throws IOException {
        request(Nbd.CMD_WRITE, flags, 8, offset, data.length, data);
        return reply(0).error();
    }

    int simple(int type, int flags, long offset, long length) throws IOException {
        request(type, flags, 9, offset, length, null);
        return reply(0).error();
    }

    void disconnect() throws IOException {
        request(Nbd.CMD_DISC, 0, 0, 0, 0, null);
    }

    /** Whether the server closed the connection (reads end of stream). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
