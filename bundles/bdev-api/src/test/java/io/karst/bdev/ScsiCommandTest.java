package io.karst.bdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.spi.BdevProperties;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ScsiCommandTest {
    @Test
    void checkConditionWritesFixedFormatSense() {
        ByteBuffer sense = ByteBuffer.allocate(100).position(4);
        ScsiCommand c = new ScsiCommand().set(ByteBuffer.wrap(new byte[]{0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}),
                ScsiCommand.Direction.FROM_DEVICE, new ByteBuffer[]{ByteBuffer.allocate(512)}, 512, sense);
        assertThat(c.invalidReason()).isNull();
        assertThat(c.opcode()).isEqualTo(0x28);
        c.checkCondition(0x05, 0x21, 0x00);
        assertThat(c.status()).isEqualTo(ScsiCommand.CHECK_CONDITION);
        assertThat(c.senseLength()).isEqualTo(18);
        assertThat(sense.get(4) & 0xff).isEqualTo(0x70);
        assertThat(sense.get(6)).isEqualTo((byte) 0x05);
        assertThat(sense.get(11)).isEqualTo((byte) 10);
        assertThat(sense.get(16)).isEqualTo((byte) 0x21);
        assertThat(sense.position()).isEqualTo(4);
    }

    @Test
    void resultsAreBoundedByTheRequest() {
        ScsiCommand c = new ScsiCommand().set(ByteBuffer.allocate(6), ScsiCommand.Direction.FROM_DEVICE,
                new ByteBuffer[]{ByteBuffer.allocate(36)}, 36, ByteBuffer.allocate(32));
        assertThatThrownBy(() -> c.residual(37)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.senseLength(33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.status(256)).isInstanceOf(IllegalArgumentException.class);
        c.residual(36);
        assertThat(c.residual()).isEqualTo(36);
    }

    @Property
    void dataMustMatchTheTransferLength(@ForAll @IntRange(max = 4096) int have, @ForAll @IntRange(max = 4096) int want) {
        ScsiCommand c = new ScsiCommand().set(ByteBuffer.allocate(16), have == 0 && want == 0
                        ? ScsiCommand.Direction.NONE : ScsiCommand.Direction.TO_DEVICE,
                new ByteBuffer[]{ByteBuffer.allocate(have)}, want, ByteBuffer.allocate(18));
        assertThat(c.invalidReason() == null).isEqualTo(have == want);
    }

    @Property
    void opcodeSetsHoldExactlyTheirOpcodes(@ForAll @IntRange(max = 255) int a, @ForAll @IntRange(max = 255) int b) {
        ScsiOpcodeSet s = ScsiOpcodeSet.of(a);
        assertThat(s.contains(b)).isEqualTo(a == b);
        assertThat(ScsiOpcodeSet.ALL.contains(b)).isTrue();
        assertThat(ScsiOpcodeSet.NONE.contains(b)).isFalse();
    }

    @Test
    void passthroughTypeAndOpcodesGoTogether() {
        BdevProperties withSet = BdevProperties.builder("a", "m").blockCount(8).ioTypes(IoType.READ)
                .scsiPassthrough(ScsiOpcodeSet.of(0x12)).build();
        assertThat(withSet.ioTypes()).contains(IoType.SCSI_PASSTHROUGH);
        BdevProperties withType = BdevProperties.builder("b", "m").blockCount(8)
                .ioTypes(IoType.READ, IoType.SCSI_PASSTHROUGH).build();
        assertThat(withType.scsiPassthrough()).isEqualTo(ScsiOpcodeSet.ALL);
        BdevProperties plain = BdevProperties.builder("c", "m").blockCount(8).ioTypes(IoType.READ).build();
        assertThat(plain.scsiPassthrough().isEmpty()).isTrue();
        assertThat(withSet.toBuilder().build().scsiPassthrough()).isEqualTo(withSet.scsiPassthrough());
        assertThat(ScsiOpcodeSet.of(0x12, 0xa3).toString()).isEqualTo("0x12,0xa3");
    }
}
