package io.karst.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.nbd.protocol.Nbd;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzz slice of the whole session (negotiation and transmission) on an embedded channel: a valid prefix that
 * reaches transmission, then mutated requests and random bytes. Nothing may escape as an exception, and every
 * buffer must be released once the connection is gone. {@code -Plong} runs many more tries.
 */
class SessionFuzzTest {
    private static EngineFixture fixture;

    @BeforeContainer
    static void start() throws Exception {
        fixture = new EngineFixture();
    }

    @AfterContainer
    static void stop() {
        fixture.close();
    }

    static byte[] validPrefix(boolean structured) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        if (structured) {
            b.writeLong(Nbd.IHAVEOPT).writeInt(Nbd.OPT_STRUCTURED_REPLY).writeInt(0);
            byte[] m = TestClient.metaData("ram", Nbd.BASE_ALLOCATION);
            b.writeLong(Nbd.IHAVEOPT).writeInt(Nbd.OPT_SET_META_CONTEXT).writeInt(m.length).writeBytes(m);
        }
        byte[] go = TestClient.infoData("ram", Nbd.INFO_BLOCK_SIZE);
        b.writeLong(Nbd.IHAVEOPT).writeInt(Nbd.OPT_GO).writeInt(go.length).writeBytes(go);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    record Mutated(int type, int flags, long offset, int length, int payload) {
    }

    @Property
    void mutatedRequestsAndGarbageNeverEscapeAndLeakNothing(
            @ForAll boolean structured,
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 9) Integer> types,
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 0x3f) Integer> flags,
            @ForAll @Size(max = 12) List<Long> offsets,
            @ForAll @Size(max = 12) List<@IntRange(min = -1, max = 70000) Integer> lengths,
            @ForAll @Size(max = 64) byte[] tail,
            @ForAll @IntRange(min = 1, max = 4096) int chunk) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(fixture.alloc);
        NbdSession.create(fixture.engine, ch);
        ch.pipeline().fireChannelActive();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(validPrefix(structured));
        for (int i = 0; i < types.size(); i++) {
            int type = types.get(i);
            int len = i < lengths.size() ? lengths.get(i) : 512;
            long off = i < offsets.size() ? offsets.get(i) % (32L << 20) : 0;
            in.writeInt(Nbd.REQUEST_MAGIC).writeShort(i < flags.size() ? flags.get(i) : 0).writeShort(type)
                    .writeLong(i).writeLong(off).writeInt(len);
            if (type == Nbd.CMD_WRITE && len > 0) {
                in.writeZero(Math.min(len, 70000)); // may be short of the announced length: the stream desyncs
            }
        }
        in.writeBytes(tail);
        while (in.isReadable() && ch.isOpen()) {
            ch.writeInbound(in.readRetainedSlice(Math.min(chunk, in.readableBytes())));
            ch.runPendingTasks();
            Object out;
            while ((out = ch.readOutbound()) != null) {
                io.netty.util.ReferenceCountUtil.release(out);
            }
        }
        in.release();
        ch.close();
        ch.runPendingTasks();
        Object out;
        while ((out = ch.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(out);
        }
        ch.finishAndReleaseAll();
        assertThat(fixture.directMemory()).as("buffers held after the connection closed").isZero();
    }
}
