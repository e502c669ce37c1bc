package io.karst.nbd.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The decoder: framing independent of how bytes arrive, limits, and garbage. */
class NbdDecoderPropertiesTest {
    record Req(int flags, int type, long cookie, long offset, int length, byte[] payload) {
    }

    @Provide
    Arbitrary<Req> requests() {
        return Combinators.combine(Arbitraries.integers().between(0, 0xffff), Arbitraries.integers().between(0, 9),
                Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers().between(0, 5000))
            .as((f, t, c, o, l) -> new Req(f, t, c, o, l, t == Nbd.CMD_WRITE ? pattern(l, c) : null));
    }

    static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }

    static byte[] encode(List<Req> reqs) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(Nbd.FLAG_FIXED_NEWSTYLE);
        for (Req r : reqs) {
            b.writeInt(Nbd.REQUEST_MAGIC).writeShort(r.flags()).writeShort(r.type()).writeLong(r.cookie())
                    .writeLong(r.offset()).writeInt(r.length());
            if (r.payload() != null) {
                b.writeBytes(r.payload());
            }
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    /** Decodes a byte stream delivered in chunks of the given sizes (cycled). */
    static List<Object> decode(byte[] stream, List<Integer> chunks, int maxPayload) {
        RequestPool pool = new RequestPool(0);
        NbdDecoder d = new NbdDecoder(65536, maxPayload, pool);
        // as the session does after GO: options are not part of these streams
        EmbeddedChannel ch = new EmbeddedChannel(d, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof NbdDecoder.ClientFlags) {
                    d.enterTransmission();
                }
                ctx.fireChannelRead(msg);
            }
        });
        List<Object> out = new ArrayList<>();
        int pos = 0;
        int i = 0;
        while (pos < stream.length) {
            int n = Math.min(stream.length - pos, Math.max(1, chunks.get(i++ % chunks.size())));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(stream, pos, pos + n)));
            pos += n;
            Object m;
            while ((m = ch.readInbound()) != null) {
                out.add(m);
            }
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @Property
    void framingDoesNotDependOnHowBytesArrive(@ForAll @Size(max = 20) List<@From("requests") Req> reqs,
                                              @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 1, max = 7000) Integer> chunks) {
        byte[] stream = encode(reqs);
        List<Object> out = decode(stream, chunks, 4096);
        assertThat(out).hasSize(reqs.size() + 1);
        for (int i = 0; i < reqs.size(); i++) {
            Req r = reqs.get(i);
            NbdRequest d = (NbdRequest) out.get(i + 1);
            assertThat(d.type).isEqualTo(r.type());
            assertThat(d.flags).isEqualTo(r.flags());
            assertThat(d.cookie).isEqualTo(r.cookie());
            assertThat(d.offset).isEqualTo(r.offset());
            assertThat(d.length).isEqualTo(r.length() & 0xffffffffL);
            if (r.type() == Nbd.CMD_WRITE && r.length() > 4096) {
                assertThat(d.payloadDiscarded).isTrue();
                assertThat(d.payload).isNull();
            } else if (r.type() == Nbd.CMD_WRITE && r.length() > 0) {
                byte[] got = new byte[d.payload.readableBytes()];
                d.payload.getBytes(d.payload.readerIndex(), got);
                assertThat(got).isEqualTo(r.payload());
                d.releasePayload();
            }
        }
    }

    @Property
    void garbageEndsInOneViolationAndNothingAfter(@ForAll @Size(min = 28, max = 600) byte[] garbage) {
        if ((garbage[0] & 0xff) == 0x25 && (garbage[1] & 0xff) == 0x60) {
            return; // starts like a real request: not garbage
        }
        byte[] stream = new byte[4 + garbage.length];
        System.arraycopy(garbage, 0, stream, 4, garbage.length);
        List<Object> out = decode(stream, List.of(7, 13, 64), 4096);
        assertThat(out).hasSize(2);
        assertThat(out.get(1)).isInstanceOf(NbdDecoder.ProtocolViolation.class);
    }

    @Property
    void infoRequestsRoundTripAndTruncationsAreMalformed(@ForAll @Size(max = 300) String name,
                                                        @ForAll @Size(max = 10) List<@IntRange(max = 65535) Integer> infos,
                                                        @ForAll @IntRange(min = 1, max = 50) int cut) throws Exception {
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer().writeInt(n.length).writeBytes(n).writeShort(infos.size());
        infos.forEach(b::writeShort);
        NbdWire.InfoRequest r = NbdWire.parseInfoRequest(b);
        assertThat(r.name()).isEqualTo(name);
        assertThat(r.infos()).isEqualTo(infos);
        ByteBuf truncated = b.slice(0, Math.max(0, b.readableBytes() - cut));
        try {
            NbdWire.parseInfoRequest(truncated);
            throw new AssertionError("a truncated INFO request parsed");
        } catch (NbdWire.MalformedOption expected) {
            // what the session answers with NBD_REP_ERR_INVALID
        }
    }

    @Property
    void metaContextDataNeverThrowsAnythingButMalformed(@ForAll @Size(max = 200) byte[] data) {
        try {
            NbdWire.parseMetaContext(Unpooled.wrappedBuffer(data));
        } catch (NbdWire.MalformedOption expected) {
            // fine
        }
    }
}
