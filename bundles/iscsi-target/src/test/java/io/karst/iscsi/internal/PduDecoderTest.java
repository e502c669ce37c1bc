package io.karst.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.iscsi.internal.pdu.Pdu;
import io.karst.iscsi.internal.pdu.PduDecoder;
import io.karst.iscsi.internal.pdu.PduException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The PDU decoder: framing, digests, limits; arbitrary bytes never make it do anything but decode or refuse. */
class PduDecoderTest {

    static byte[] pdu(int opcode, byte[] data, boolean hd, boolean dd, int ahsWords) {
        int pad = (4 - (data.length & 3)) & 3;
        ByteBuffer b = ByteBuffer.allocate(48 + ahsWords * 4 + 4 + data.length + pad + 4);
        byte[] bhs = new byte[48];
        bhs[0] = (byte) opcode;
        bhs[1] = (byte) 0x80;
        bhs[4] = (byte) ahsWords;
        bhs[5] = (byte) (data.length >>> 16);
        bhs[6] = (byte) (data.length >>> 8);
        bhs[7] = (byte) data.length;
        ByteBuffer.wrap(bhs).putInt(16, 0x1234);
        b.put(bhs);
        b.put(new byte[ahsWords * 4]);
        if (hd) {
            byte[] h = new byte[48 + ahsWords * 4];
            System.arraycopy(bhs, 0, h, 0, 48);
            b.order(ByteOrder.LITTLE_ENDIAN).putInt(MiniInitiator.crc(h, 0, h.length)).order(ByteOrder.BIG_ENDIAN);
        }
        byte[] padded = java.util.Arrays.copyOf(data, data.length + pad);
        b.put(padded);
        if (dd && data.length > 0) {
            b.order(ByteOrder.LITTLE_ENDIAN).putInt(MiniInitiator.crc(padded, 0, padded.length));
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Property(tries = 300)
    void framesAnyValidPduWhateverTheSplit(@ForAll @Size(max = 3000) byte[] data, @ForAll boolean hd,
                                           @ForAll boolean dd, @ForAll @IntRange(min = 0, max = 3) int ahs,
                                           @ForAll @IntRange(min = 1, max = 200) int chunk) {
        PduDecoder d = new PduDecoder();
        d.configure(hd, dd, 8192);
        byte[] wire = pdu(0x01, data, hd, dd, ahs);
        ByteBuf in = Unpooled.buffer();
        Pdu got = null;
        for (int at = 0; at < wire.length; at += chunk) {
            in.writeBytes(wire, at, Math.min(chunk, wire.length - at));
            Pdu p = d.decodeOne(in);
            if (p != null) {
                assertThat(got).isNull();
                got = p;
            }
        }
        assertThat(got).isNotNull();
        assertThat(got.itt()).isEqualTo(0x1234);
        byte[] back = new byte[got.data().readableBytes()];
        got.data().getBytes(got.data().readerIndex(), back);
        assertThat(back).isEqualTo(data);
        assertThat(in.readableBytes()).isZero();
        got.release();
        in.release();
    }

    @Property(tries = 2000)
    void arbitraryBytesDecodeOrAreRefused(@ForAll @Size(max = 600) byte[] junk, @ForAll boolean hd,
                                          @ForAll boolean dd) {
        PduDecoder d = new PduDecoder();
        d.configure(hd, dd, 512);
        ByteBuf in = Unpooled.wrappedBuffer(junk);
        try {
            for (int i = 0; i < 20; i++) {
                Pdu p = d.decodeOne(in);
                if (p == null) {
                    break;
                }
                assertThat(p.dataSegmentLength()).isLessThanOrEqualTo(512);
                p.release();
            }
        } catch (PduException expected) {
            assertThat(expected.kind()).isNotNull();
        }
    }

    @Test
    void refusesOversizeSegmentsTargetOpcodesAndBadDigests() {
        PduDecoder d = new PduDecoder();
        d.configure(false, false, 1024);
        assertThatThrownBy(() -> d.decodeOne(Unpooled.wrappedBuffer(pdu(0x01, new byte[2000], false, false, 0))))
                .isInstanceOf(PduException.class).extracting("kind").isEqualTo(PduException.Kind.OVERSIZE);
        assertThatThrownBy(() -> d.decodeOne(Unpooled.wrappedBuffer(pdu(0x21, new byte[0], false, false, 0))))
                .isInstanceOf(PduException.class).extracting("kind").isEqualTo(PduException.Kind.PROTOCOL);
        PduDecoder dig = new PduDecoder();
        dig.configure(true, true, 8192);
        byte[] wire = pdu(0x01, new byte[] {1, 2, 3, 4, 5}, true, true, 0);
        wire[wire.length - 1] ^= 1;
        assertThatThrownBy(() -> dig.decodeOne(Unpooled.wrappedBuffer(wire)))
                .isInstanceOf(PduException.class).extracting("kind").isEqualTo(PduException.Kind.DATA_DIGEST);
        byte[] wire2 = pdu(0x01, new byte[0], true, true, 0);
        wire2[50] ^= 1;
        assertThatThrownBy(() -> dig.decodeOne(Unpooled.wrappedBuffer(wire2)))
                .isInstanceOf(PduException.class).extracting("kind").isEqualTo(PduException.Kind.HEADER_DIGEST);
    }
}
