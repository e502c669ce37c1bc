package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.ClaimType;
import io.karst.bdev.IoStatistics.LatencyBucket;
import io.karst.bdev.IoType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static FakeBdev busy(String name) {
        return new FakeBdev(name)
                .counters(IoType.READ, 10, 40960, 1, 10 * 20_000, 1_000,
                        new LatencyBucket(900, 2), new LatencyBucket(20_000, 5), new LatencyBucket(20_200, 2),
                        new LatencyBucket(20_000_000_000L, 1))
                .counters(IoType.WRITE, 3, 12288, 0, 3 * 50_000, 1_000, new LatencyBucket(50_000, 3))
                .holder("nbd export x", true, ClaimType.READ_MANY_WRITE_SHARED);
    }

    @Test
    void outputParsesBackAsValidExposition() {
        String text = PrometheusText.write(List.of(busy("Malloc0"), new FakeBdev("Null0")));
        Map<String, ExpositionParser.Family> families = ExpositionParser.parse(text);
        assertThat(families.keySet()).contains("karst_bdev_info", "karst_bdev_size_bytes",
                "karst_bdev_block_size_bytes", "karst_bdev_holders", "karst_bdev_io_in_flight",
                "karst_bdev_io_operations_total", "karst_bdev_io_bytes_total", "karst_bdev_io_errors_total",
                "karst_bdev_io_latency_seconds", "karst_bdev_io_latency_max_seconds");
        for (ExpositionParser.Family f : families.values()) {
            assertThat(f.type()).as(f.name()).isNotEqualTo("untyped");
            assertThat(f.help()).as(f.name()).isNotBlank();
            if (f.type().equals("counter")) {
                assertThat(f.name()).endsWith("_total");
            }
        }
    }

    @Test
    void countersAndGaugesCarryTheStatistics() {
        var families = ExpositionParser.parse(PrometheusText.write(List.of(busy("Malloc0"))));
        assertThat(value(families, "karst_bdev_io_operations_total", Map.of("bdev", "Malloc0", "type", "read")))
                .contains(10.0);
        assertThat(value(families, "karst_bdev_io_bytes_total", Map.of("bdev", "Malloc0", "type", "write")))
                .contains(12288.0);
        assertThat(value(families, "karst_bdev_io_errors_total", Map.of("bdev", "Malloc0", "type", "read")))
                .contains(1.0);
        // supported types that saw no I/O yet are there, at zero, so that rate() works from the start
        assertThat(value(families, "karst_bdev_io_operations_total", Map.of("bdev", "Malloc0", "type", "unmap")))
                .contains(0.0);
        assertThat(value(families, "karst_bdev_size_bytes", Map.of("bdev", "Malloc0"))).contains(2048.0 * 512);
        assertThat(value(families, "karst_bdev_holders", Map.of("bdev", "Malloc0"))).contains(1.0);
        assertThat(families.get("karst_bdev_info").samples().get(0).labels())
                .containsEntry("module", "malloc").containsEntry("product", "Malloc disk");
    }

    @Test
    void latencyHistogramFoldsTheBdevBucketsIntoFixedBounds() {
        var families = ExpositionParser.parse(PrometheusText.write(List.of(busy("Malloc0"))));
        Map<String, String> read = Map.of("bdev", "Malloc0", "type", "read");
        String h = "karst_bdev_io_latency_seconds";
        assertThat(value(families, h + "_bucket", with(read, "le", "0.000001"))).contains(2.0);
        // 20 us lands in the 25 us bucket; 20.2 us too
        assertThat(value(families, h + "_bucket", with(read, "le", "0.00001"))).contains(2.0);
        assertThat(value(families, h + "_bucket", with(read, "le", "0.000025"))).contains(9.0);
        // 20 s is above the largest bound: only in +Inf
        assertThat(value(families, h + "_bucket", with(read, "le", "10"))).contains(9.0);
        assertThat(value(families, h + "_bucket", with(read, "le", "+Inf"))).contains(10.0);
        assertThat(value(families, h + "_count", read)).contains(10.0);
        assertThat(value(families, h + "_sum", read)).contains(0.0002);
        assertThat(value(families, "karst_bdev_io_latency_max_seconds", read)).contains(20.0);
        // types without I/O have no histogram
        assertThat(value(families, h + "_count", Map.of("bdev", "Malloc0", "type", "flush"))).isEmpty();
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        String name = "we\"ird\\name\nnext";
        String text = PrometheusText.write(List.of(busy(name)));
        assertThat(text).contains("bdev=\"we\\\"ird\\\\name\\nnext\"");
        var families = ExpositionParser.parse(text);
        assertThat(value(families, "karst_bdev_io_operations_total", Map.of("bdev", name, "type", "read")))
                .contains(10.0);
        assertThat(PrometheusText.escapeHelp("a\\b\nc")).isEqualTo("a\\\\b\\nc");
    }

    @Test
    void numbersAreGoFloats() {
        assertThat(PrometheusText.number(3.0)).isEqualTo("3");
        assertThat(PrometheusText.number(0.25)).isEqualTo("0.25");
        assertThat(PrometheusText.number(1.5e-7)).isEqualTo("1.5E-7");
        assertThat(PrometheusText.number(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(PrometheusText.number(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void noBdevsGivesHeadersOnly() {
        var families = ExpositionParser.parse(PrometheusText.write(List.of()));
        assertThat(families.values()).allSatisfy(f -> assertThat(f.samples()).isEmpty());
    }

    /** The checker itself must refuse what is wrong, or the tests above prove nothing. */
    @Test
    void theParserRefusesInvalidExposition() {
        assertThatThrownBy(() -> ExpositionParser.parse("m{a=\"x\\t\"} 1\n")).hasMessageContaining("bad escape");
        assertThatThrownBy(() -> ExpositionParser.parse("m{a=x} 1\n")).hasMessageContaining("not quoted");
        assertThatThrownBy(() -> ExpositionParser.parse("1m 1\n")).hasMessageContaining("bad metric name");
        assertThatThrownBy(() -> ExpositionParser.parse("m 1,5\n")).hasMessageContaining("bad value");
        assertThatThrownBy(() -> ExpositionParser.parse("m 1\n# TYPE m gauge\n")).hasMessageContaining("after");
        assertThatThrownBy(() -> ExpositionParser.parse("# TYPE m gauge\n# TYPE m gauge\n"))
                .hasMessageContaining("second TYPE");
        assertThatThrownBy(() -> ExpositionParser.parse("a 1\nb 1\na{x=\"1\"} 2\n"))
                .hasMessageContaining("not contiguous");
        assertThatThrownBy(() -> ExpositionParser.parse("a 1\na 2\n")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> ExpositionParser.parse("# TYPE c counter\nc -1\n")).hasMessageContaining("negative");
        String histogram = "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                + "h_sum 1\nh_count 2\n";
        assertThatThrownBy(() -> ExpositionParser.parse(histogram)).hasMessageContaining("cumulative");
        String noInf = "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n";
        assertThatThrownBy(() -> ExpositionParser.parse(noInf)).hasMessageContaining("+Inf");
        String badCount = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n";
        assertThatThrownBy(() -> ExpositionParser.parse(badCount)).hasMessageContaining("_count");
        assertThatThrownBy(() -> ExpositionParser.parse("m 1")).hasMessageContaining("line feed");
    }

    private static Map<String, String> with(Map<String, String> labels, String k, String v) {
        var m = new java.util.HashMap<>(labels);
        m.put(k, v);
        return m;
    }

    private static Optional<Double> value(Map<String, ExpositionParser.Family> families, String sample,
                                          Map<String, String> labels) {
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(sample) && s.labels().equals(labels))
                .map(ExpositionParser.Sample::value).findFirst();
    }
}
