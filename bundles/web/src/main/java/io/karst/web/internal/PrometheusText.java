package io.karst.web.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The bdev statistics in the Prometheus text exposition format, version 0.0.4: per bdev and I/O type the
 * operation, byte and error counters, the latency as a histogram (sum and count included), and per bdev its size,
 * block size, holders and I/Os in flight.
 *
 * <p>The latency histogram has fixed bucket bounds from 1 us to 10 s, so that every scrape has the same series; a
 * bdev's own histogram (1% resolution) is folded into them, counting each of its buckets in the first bound at or
 * above the bucket's upper edge.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Upper bounds of the latency buckets, in nanoseconds (+Inf comes on top). */
    static final long[] LATENCY_BOUNDS_NANOS = {
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L,
    };

    private static final String[] LATENCY_BOUND_LABELS = new String[LATENCY_BOUNDS_NANOS.length];

    static {
        for (int i = 0; i < LATENCY_BOUNDS_NANOS.length; i++) {
            LATENCY_BOUND_LABELS[i] = BigDecimal.valueOf(LATENCY_BOUNDS_NANOS[i], 9).stripTrailingZeros()
                    .toPlainString();
        }
    }

    private record Snapshot(Bdev bdev, IoStatistics stats, Set<IoType> types) {
    }

    private PrometheusText() {
    }

    static String write(List<Bdev> bdevs) {
        List<Snapshot> snapshots = new ArrayList<>(bdevs.size());
        for (Bdev b : bdevs) {
            IoStatistics stats = b.statistics();
            Set<IoType> types = new TreeSet<>(b.ioTypes());
            types.addAll(stats.byType().keySet());
            snapshots.add(new Snapshot(b, stats, types));
        }
        StringBuilder out = new StringBuilder(1024 + 2048 * snapshots.size());

        family(out, snapshots, "karst_bdev_info", "gauge",
                "Registered bdev (value 1), with its module, product name and UUID", (s, o) -> {
                    Bdev b = s.bdev();
                    sample(o, "karst_bdev_info", labels("bdev", b.name(), "module", b.module(), "product",
                            b.productName(), "uuid", b.uuid().toString()), "1");
                });
        family(out, snapshots, "karst_bdev_size_bytes", "gauge", "Size of the bdev in bytes",
                (s, o) -> sample(o, "karst_bdev_size_bytes", bdevLabel(s), Long.toString(s.bdev().sizeBytes())));
        family(out, snapshots, "karst_bdev_block_size_bytes", "gauge", "Logical block size of the bdev in bytes",
                (s, o) -> sample(o, "karst_bdev_block_size_bytes", bdevLabel(s),
                        Integer.toString(s.bdev().blockSize())));
        family(out, snapshots, "karst_bdev_holders", "gauge", "Open descriptors of the bdev",
                (s, o) -> sample(o, "karst_bdev_holders", bdevLabel(s), Integer.toString(s.bdev().holders().size())));
        family(out, snapshots, "karst_bdev_io_in_flight", "gauge",
                "I/Os submitted to the bdev's module and not yet completed",
                (s, o) -> sample(o, "karst_bdev_io_in_flight", bdevLabel(s), Long.toString(s.stats().inFlight())));

        counter(out, snapshots, "karst_bdev_io_operations_total",
                "Completed I/O requests (successful or not), by bdev and I/O type", IoStatistics.TypeStatistics::ops);
        counter(out, snapshots, "karst_bdev_io_bytes_total",
                "Bytes of successful I/O requests (transferred, or unmapped and zeroed), by bdev and I/O type",
                IoStatistics.TypeStatistics::bytes);
        counter(out, snapshots, "karst_bdev_io_errors_total",
                "I/O requests completed with an error status, by bdev and I/O type",
                IoStatistics.TypeStatistics::errors);

        String h = "karst_bdev_io_latency_seconds";
        family(out, snapshots, h, "histogram",
                "Latency of I/O requests from submission to completion, by bdev and I/O type", (s, o) -> {
                    for (IoType type : s.types()) {
                        IoStatistics.TypeStatistics t = s.stats().of(type);
                        if (t.ops() == 0 && t.histogram().isEmpty()) {
                            continue;
                        }
                        long[] counts = new long[LATENCY_BOUNDS_NANOS.length];
                        long total = 0;
                        for (IoStatistics.LatencyBucket b : t.histogram()) {
                            total += b.count();
                            int i = 0;
                            while (i < LATENCY_BOUNDS_NANOS.length && LATENCY_BOUNDS_NANOS[i] < b.upperNanos()) {
                                i++;
                            }
                            if (i < LATENCY_BOUNDS_NANOS.length) {
                                counts[i] += b.count();
                            }
                        }
                        String bdev = s.bdev().name();
                        String name = type.spdkName();
                        long cumulative = 0;
                        for (int i = 0; i < counts.length; i++) {
                            cumulative += counts[i];
                            sample(o, h + "_bucket", labels("bdev", bdev, "type", name, "le", LATENCY_BOUND_LABELS[i]),
                                    Long.toString(cumulative));
                        }
                        sample(o, h + "_bucket", labels("bdev", bdev, "type", name, "le", "+Inf"),
                                Long.toString(total));
                        sample(o, h + "_sum", labels("bdev", bdev, "type", name), number(t.latencyNanos() / 1e9));
                        sample(o, h + "_count", labels("bdev", bdev, "type", name), Long.toString(total));
                    }
                });
        family(out, snapshots, "karst_bdev_io_latency_max_seconds", "gauge",
                "Longest latency of an I/O request since the statistics began, by bdev and I/O type", (s, o) -> {
                    for (IoType type : s.types()) {
                        IoStatistics.TypeStatistics t = s.stats().of(type);
                        if (t.ops() > 0) {
                            sample(o, "karst_bdev_io_latency_max_seconds", labels("bdev", s.bdev().name(), "type",
                                    type.spdkName()), number(t.maxLatencyNanos() / 1e9));
                        }
                    }
                });
        return out.toString();
    }

    private static void counter(StringBuilder out, List<Snapshot> snapshots, String name, String help,
                                java.util.function.ToLongFunction<IoStatistics.TypeStatistics> value) {
        family(out, snapshots, name, "counter", help, (s, o) -> {
            for (IoType type : s.types()) {
                sample(o, name, labels("bdev", s.bdev().name(), "type", type.spdkName()),
                        Long.toString(value.applyAsLong(s.stats().of(type))));
            }
        });
    }

    private static void family(StringBuilder out, List<Snapshot> snapshots, String name, String type, String help,
                               BiConsumer<Snapshot, StringBuilder> samples) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (Snapshot s : snapshots) {
            samples.accept(s, out);
        }
    }

    private static String bdevLabel(Snapshot s) {
        return labels("bdev", s.bdev().name());
    }

    private static void sample(StringBuilder out, String name, String labels, String value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    /** {@code {k1="v1",k2="v2"}} from name/value pairs, values escaped. */
    static String labels(String... pairs) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                b.append(',');
            }
            b.append(pairs[i]).append("=\"").append(escapeLabelValue(pairs[i + 1])).append('"');
        }
        return b.append('}').toString();
    }

    static String escapeLabelValue(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** A sample value as Go's float parser reads it. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
