package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.karst.bdev.IoType;
import java.util.List;
import org.junit.jupiter.api.Test;

class BdevRatesTest {
    private static final long S = 1_000_000_000L;
    private final BdevRates rates = new BdevRates(S * 9 / 10, 5 * S);

    @Test
    void ratesAreDifferencesOverTheInterval() {
        FakeBdev b = new FakeBdev("Malloc0").counters(IoType.READ, 100, 409600, 0, 100 * 10_000, 10 * S);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates()).as("first sample: not known yet").isNull();

        b.counters(IoType.READ, 2100, 409600 + 2000 * 4096L, 4, 100 * 10_000 + 2000 * 30_000L, 12 * S)
                .counters(IoType.WRITE, 500, 500 * 8192L, 0, 500 * 100_000L, 12 * S)
                .counters(IoType.FLUSH, 10, 0, 0, 10 * 1_000_000L, 12 * S);
        BdevRates.Rates r = rates.read(List.of(b)).get("Malloc0").rates();
        assertThat(r.seconds()).isEqualTo(2.0);
        assertThat(r.of(BdevRates.Group.READ).iops()).isEqualTo(1000.0);
        assertThat(r.of(BdevRates.Group.READ).bytesPerSecond()).isEqualTo(1000.0 * 4096);
        assertThat(r.of(BdevRates.Group.READ).errorsPerSecond()).isEqualTo(2.0);
        assertThat(r.of(BdevRates.Group.READ).meanLatencyNanos()).isEqualTo(30_000.0);
        assertThat(r.of(BdevRates.Group.WRITE).iops()).isEqualTo(250.0);
        assertThat(r.of(BdevRates.Group.WRITE).meanLatencyNanos()).isEqualTo(100_000.0);
        assertThat(r.of(BdevRates.Group.OTHER).iops()).isEqualTo(5.0);
        assertThat(r.totalIops()).isCloseTo(1255.0, within(1e-9));
    }

    @Test
    void readersWithinTheIntervalShareTheLastRates() {
        FakeBdev b = new FakeBdev("Malloc0").counters(IoType.READ, 0, 0, 0, 0, 0);
        rates.read(List.of(b));
        b.counters(IoType.READ, 1000, 0, 0, 0, S);
        BdevRates.Rates first = rates.read(List.of(b)).get("Malloc0").rates();
        b.counters(IoType.READ, 1500, 0, 0, 0, S + S / 2);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates()).isSameAs(first);
        b.counters(IoType.READ, 4000, 0, 0, 0, 2 * S);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates().of(BdevRates.Group.READ).iops()).isEqualTo(3000.0);
    }

    @Test
    void aLongPauseOrAResetStartsOver() {
        FakeBdev b = new FakeBdev("Malloc0").counters(IoType.READ, 0, 0, 0, 0, 0);
        rates.read(List.of(b));
        b.counters(IoType.READ, 10_000, 0, 0, 0, 60 * S);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates()).as("after a minute unread").isNull();
        b.counters(IoType.READ, 11_000, 0, 0, 0, 61 * S);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates()).isNotNull();

        b.startOver(62 * S).counters(IoType.READ, 5, 0, 0, 0, 63 * S);
        assertThat(rates.read(List.of(b)).get("Malloc0").rates()).as("counters reset").isNull();
    }

    @Test
    void aNewBdevOfTheSameNameIsNotComparedWithTheOldOne() {
        FakeBdev old = new FakeBdev("X").counters(IoType.READ, 1_000_000, 0, 0, 0, 0);
        rates.read(List.of(old));
        FakeBdev fresh = new FakeBdev("X").counters(IoType.READ, 10, 0, 0, 0, S);
        assertThat(rates.read(List.of(fresh)).get("X").rates()).isNull();
    }
}
