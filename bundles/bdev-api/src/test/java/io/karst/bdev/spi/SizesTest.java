package io.karst.bdev.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesWhatOperatorsWrite() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("64K")).isEqualTo(65536);
        assertThat(Sizes.parse("256M")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("256MiB")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("1g")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("2TB")).isEqualTo(2L << 40);
        assertThat(Sizes.parse(" 512B ")).isEqualTo(512);
        assertThat(Sizes.parse((Object) 42L)).isEqualTo(42);
    }

    @Test
    void refusesJunk() {
        for (String bad : new String[]{"", "M", "-1", "1.5G", "12X", "0x10", "9999999999P", "1 G B"}) {
            assertThatThrownBy(() -> Sizes.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Property
    void formatThenParseIsIdentity(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long bytes) {
        String text = Sizes.format(bytes).replace(" ", "");
        assertThat(Sizes.parse(text)).isEqualTo(bytes);
    }

    @Test
    void bdevNamesAreChecked() {
        assertThat(BdevProperties.requireName("Malloc0")).isEqualTo("Malloc0");
        for (String bad : new String[]{"", "a b", "-x", "a/b", "quo\"te", "x".repeat(256)}) {
            assertThatThrownBy(() -> BdevProperties.requireName(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
