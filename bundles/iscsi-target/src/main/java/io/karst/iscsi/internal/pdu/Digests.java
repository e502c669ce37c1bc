package io.karst.iscsi.internal.pdu;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C digests as iSCSI uses them (sent little-endian). */
public final class Digests {
    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);

    private Digests() {
    }

    public static int crc32c(ByteBuf buf, int index, int length) {
        CRC32C c = CRC.get();
        c.reset();
        if (buf.nioBufferCount() == 1) {
            c.update(buf.nioBuffer(index, length));
        } else {
            for (ByteBuffer b : buf.nioBuffers(index, length)) {
                c.update(b);
            }
        }
        return (int) c.getValue();
    }

    /** Digest of a data segment followed by its zero padding. */
    public static int dataDigest(ByteBuf data, int index, int length) {
        CRC32C c = CRC.get();
        c.reset();
        if (length > 0) {
            for (ByteBuffer b : data.nioBuffers(index, length)) {
                c.update(b);
            }
        }
        int pad = (4 - (length & 3)) & 3;
        for (int i = 0; i < pad; i++) {
            c.update(0);
        }
        return (int) c.getValue();
    }
}
