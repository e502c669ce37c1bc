package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FuseProtocolTest {
    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void negotiationKeepsWhatBothSidesWant() {
        int kernel = FuseProtocol.ASYNC_READ | FuseProtocol.ASYNC_DIO | FuseProtocol.MAX_PAGES | FuseProtocol.INIT_EXT
                | FuseProtocol.PARALLEL_DIROPS | (1 << 31) | (1 << 23);
        FuseProtocol.InitReply r = FuseProtocol.negotiate(7, 41, 131072, kernel, 1 << 4, 128, 131072);
        assertThat(r.minor()).isEqualTo(38);
        assertThat(r.flags() & FuseProtocol.ASYNC_DIO).as("asynchronous direct I/O").isNotZero();
        assertThat(r.flags() & (1 << 31)).as("nothing the frontend did not ask for").isZero();
        assertThat(r.flags2()).isEqualTo(FuseProtocol.DIRECT_IO_ALLOW_MMAP_HIGH);
        assertThat(r.maxBackground()).isEqualTo(128);
        assertThat(r.congestionThreshold()).isEqualTo(96);
        assertThat(r.maxPages()).isEqualTo(32);
        ByteBuffer b = buffer(64);
        assertThat(r.write(b, 0)).isEqualTo(64);
        assertThat(b.getInt(0)).isEqualTo(7);
        assertThat(b.getInt(4)).isEqualTo(38);
        assertThat(b.getShort(16)).isEqualTo((short) 128);
        assertThat(b.getInt(20)).isEqualTo(131072);
        assertThat(b.getShort(28)).isEqualTo((short) 32);
    }

    @Test
    void tooOldOrForeignProtocolsAreRefused() {
        assertThat(FuseProtocol.negotiate(7, 27, 0, 0, 0, 12, 4096)).isNull();
        assertThat(FuseProtocol.negotiate(8, 1, 0, 0, 0, 12, 4096)).isNull();
        assertThat(FuseProtocol.negotiate(7, 31, 0, 0, 0, 12, 4096).minor()).isEqualTo(31);
    }

    @Test
    void direntsAreAlignedAndStopAtTheLimit() {
        ByteBuffer b = buffer(64);
        int w = FuseProtocol.putDirent(b, 0, 64, 5, 1, FuseProtocol.DT_REG, "Malloc0".getBytes(StandardCharsets.UTF_8));
        assertThat(w).isEqualTo(32);
        assertThat(b.getLong(0)).isEqualTo(5);
        assertThat(b.getInt(16)).isEqualTo(7);
        assertThat(FuseProtocol.putDirent(b, 32, 64, 6, 2, FuseProtocol.DT_REG, new byte[9])).isEqualTo(-1);
    }

    @Test
    void namesMustBeTerminatedAndPlain() {
        ByteBuffer b = buffer(16);
        b.put(0, "abc\0".getBytes(StandardCharsets.UTF_8));
        assertThat(FuseProtocol.name(b, 0, 16)).isEqualTo("abc");
        assertThat(FuseProtocol.name(b, 0, 3)).as("not terminated within the request").isNull();
        b.put(0, "a/b\0".getBytes(StandardCharsets.UTF_8));
        assertThat(FuseProtocol.name(b, 0, 16)).isNull();
        b.put(0, (byte) 0);
        assertThat(FuseProtocol.name(b, 0, 16)).as("empty").isNull();
    }

    @Property
    void namesNeverReadBeyondTheRequest(@ForAll @Size(max = 300) byte[] bytes, @ForAll @IntRange(max = 300) int end) {
        ByteBuffer b = buffer(bytes.length + 1);
        b.put(0, bytes);
        b.put(bytes.length, (byte) 'x');
        int limit = Math.min(end, bytes.length);
        String name = FuseProtocol.name(b, 0, limit);
        if (name != null) {
            assertThat(name.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(limit);
            assertThat(name).doesNotContain("/").isNotEmpty();
        }
    }

    @Property
    void headersOfArbitraryBytesParseWithoutFailing(@ForAll @Size(min = 40, max = 40) byte[] bytes) {
        ByteBuffer b = buffer(40);
        b.put(0, bytes);
        FuseProtocol.Header h = FuseProtocol.Header.read(b, 0);
        assertThat(h.len()).isEqualTo(b.getInt(0));
    }

    @Test
    void argumentsShorterThanTheOpcodeNeedsAreMalformed() {
        FuseProtocol.requireArgs(80, 40, FuseProtocol.WRITE);
        try {
            FuseProtocol.requireArgs(79, 40, FuseProtocol.WRITE);
            throw new AssertionError("accepted");
        } catch (FuseProtocol.MalformedRequest expected) {
            assertThat(expected.getMessage()).contains("79");
        }
    }

    @Test
    void entryAndAttrLayouts() {
        ByteBuffer b = buffer(256);
        FuseProtocol.Attr a = new FuseProtocol.Attr(9, 1 << 20, FuseProtocol.S_IFREG | 0660, 1, 0, 6, 4096, 1000);
        assertThat(FuseProtocol.putEntry(b, 0, a, 1500, 0)).isEqualTo(128);
        assertThat(b.getLong(0)).isEqualTo(9);
        assertThat(b.getLong(16)).isEqualTo(1);
        assertThat(b.getInt(32)).isEqualTo(500_000_000);
        assertThat(b.getLong(40 + 8)).isEqualTo(1 << 20);
        assertThat(b.getLong(40 + 16)).as("512-byte blocks").isEqualTo(2048);
        assertThat(b.getInt(40 + 60)).isEqualTo(FuseProtocol.S_IFREG | 0660);
        assertThat(b.getInt(40 + 72)).isEqualTo(6);
        assertThat(FuseProtocol.putAttrOut(b, 0, a, 0)).isEqualTo(104);
    }
}
