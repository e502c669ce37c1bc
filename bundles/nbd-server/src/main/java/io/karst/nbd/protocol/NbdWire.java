package io.karst.nbd.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding of what the server sends and parsing of option data: pure functions on buffers, no session state.
 */
public final class NbdWire {
    private NbdWire() {
    }

    // ---- encoding -----------------------------------------------------------------------------------------------

    /** The server's greeting: magic, IHAVEOPT, handshake flags. */
    public static void greeting(ByteBuf out, int handshakeFlags) {
        out.writeLong(Nbd.NBDMAGIC).writeLong(Nbd.IHAVEOPT).writeShort(handshakeFlags);
    }

    public static void optionReplyHeader(ByteBuf out, int option, int type, int length) {
        out.writeLong(Nbd.OPTION_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(length);
    }

    /** An option reply with no data (ACK) or an error reply carrying a human-readable message. */
    public static void optionReply(ByteBuf out, int option, int type, String message) {
        byte[] m = message == null ? new byte[0] : utf8(message, Nbd.MAX_STRING);
        optionReplyHeader(out, option, type, m.length);
        out.writeBytes(m);
    }

    /** NBD_REP_SERVER: one export of OPT_LIST, with its description. */
    public static void serverReply(ByteBuf out, int option, String name, String description) {
        byte[] n = utf8(name, Nbd.MAX_STRING);
        byte[] d = description == null ? new byte[0] : utf8(description, Nbd.MAX_STRING);
        optionReplyHeader(out, option, Nbd.REP_SERVER, 4 + n.length + d.length);
        out.writeInt(n.length).writeBytes(n).writeBytes(d);
    }

    public static void infoExport(ByteBuf out, int option, long size, int transmissionFlags) {
        optionReplyHeader(out, option, Nbd.REP_INFO, 12);
        out.writeShort(Nbd.INFO_EXPORT).writeLong(size).writeShort(transmissionFlags);
    }

    public static void infoString(ByteBuf out, int option, int infoType, String value) {
        byte[] v = utf8(value, Nbd.MAX_STRING);
        optionReplyHeader(out, option, Nbd.REP_INFO, 2 + v.length);
        out.writeShort(infoType).writeBytes(v);
    }

    public static void infoBlockSize(ByteBuf out, int option, int minimum, int preferred, int maximum) {
        optionReplyHeader(out, option, Nbd.REP_INFO, 14);
        out.writeShort(Nbd.INFO_BLOCK_SIZE).writeInt(minimum).writeInt(preferred).writeInt(maximum);
    }

    public static void metaContext(ByteBuf out, int option, int id, String name) {
        byte[] n = utf8(name, Nbd.MAX_STRING);
        optionReplyHeader(out, option, Nbd.REP_META_CONTEXT, 4 + n.length);
        out.writeInt(id).writeBytes(n);
    }

    /** The reply to OPT_EXPORT_NAME: size, flags, and 124 zero bytes unless the client asked for none. */
    public static void exportNameReply(ByteBuf out, long size, int transmissionFlags, boolean noZeroes) {
        out.writeLong(size).writeShort(transmissionFlags);
        if (!noZeroes) {
            out.writeZero(124);
        }
    }

    public static void simpleReply(ByteBuf out, int error, long cookie) {
        out.writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(error).writeLong(cookie);
    }

    public static void structuredHeader(ByteBuf out, int flags, int type, long cookie, int length) {
        out.writeInt(Nbd.STRUCTURED_REPLY_MAGIC).writeShort(flags).writeShort(type).writeLong(cookie)
                .writeInt(length);
    }

    /** A final NBD_REPLY_TYPE_ERROR chunk. */
    public static void structuredError(ByteBuf out, long cookie, int error, String message) {
        byte[] m = message == null ? new byte[0] : utf8(message, 4096);
        structuredHeader(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, cookie, 6 + m.length);
        out.writeInt(error).writeShort(m.length).writeBytes(m);
    }

    /** A final NBD_REPLY_TYPE_BLOCK_STATUS chunk with extents as (length, flags) pairs. */
    public static void blockStatus(ByteBuf out, long cookie, int contextId, long[] extents) {
        structuredHeader(out, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_BLOCK_STATUS, cookie, 4 + 8 * (extents.length / 2));
        out.writeInt(contextId);
        for (int i = 0; i < extents.length; i += 2) {
            out.writeInt((int) extents[i]).writeInt((int) extents[i + 1]);
        }
    }

    // ---- parsing ------------------------------------------------------------------------------------------------

    /** Option data that does not have the option's format. */
    public static final class MalformedOption extends Exception {
        private static final long serialVersionUID = 1L;

        public MalformedOption(String message) {
            super(message, null, false, false);
        }
    }

    /** The data of OPT_INFO and OPT_GO. */
    public record InfoRequest(String name, List<Integer> infos) {
    }

    /** The data of OPT_LIST_META_CONTEXT and OPT_SET_META_CONTEXT. */
    public record MetaContextRequest(String exportName, List<String> queries) {
    }

    public static InfoRequest parseInfoRequest(ByteBuf data) throws MalformedOption {
        ByteBuf d = data.duplicate();
        String name = string32(d, "export name");
        if (d.readableBytes() < 2) {
            throw new MalformedOption("missing the number of information requests");
        }
        int n = d.readUnsignedShort();
        if (d.readableBytes() != 2L * n) {
            throw new MalformedOption("the option's length does not match " + n + " information requests");
        }
        List<Integer> infos = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            infos.add(d.readUnsignedShort());
        }
        return new InfoRequest(name, infos);
    }

    public static MetaContextRequest parseMetaContext(ByteBuf data) throws MalformedOption {
        ByteBuf d = data.duplicate();
        String name = string32(d, "export name");
        if (d.readableBytes() < 4) {
            throw new MalformedOption("missing the number of queries");
        }
        long n = d.readUnsignedInt();
        if (n > d.readableBytes() / 4) {
            throw new MalformedOption("more queries than the option's length can hold");
        }
        List<String> queries = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            queries.add(string32(d, "query"));
        }
        if (d.isReadable()) {
            throw new MalformedOption("trailing bytes after the queries");
        }
        return new MetaContextRequest(name, queries);
    }

    /** OPT_EXPORT_NAME: the whole data is the name. */
    public static String parseExportName(ByteBuf data) throws MalformedOption {
        if (data.readableBytes() > Nbd.MAX_STRING) {
            throw new MalformedOption("export name longer than " + Nbd.MAX_STRING + " bytes");
        }
        return utf8String(data.duplicate(), data.readableBytes(), "export name");
    }

    private static String string32(ByteBuf d, String what) throws MalformedOption {
        if (d.readableBytes() < 4) {
            throw new MalformedOption("missing the length of the " + what);
        }
        long len = d.readUnsignedInt();
        if (len > Nbd.MAX_STRING) {
            throw new MalformedOption(what + " longer than " + Nbd.MAX_STRING + " bytes");
        }
        if (len > d.readableBytes()) {
            throw new MalformedOption(what + " longer than the option");
        }
        return utf8String(d, (int) len, what);
    }

    private static String utf8String(ByteBuf d, int len, String what) throws MalformedOption {
        byte[] b = new byte[len];
        d.readBytes(b);
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new MalformedOption(what + " is not UTF-8");
        }
    }

    static byte[] utf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return b;
        }
        byte[] cut = new byte[max];
        System.arraycopy(b, 0, cut, 0, max);
        return cut;
    }
}
