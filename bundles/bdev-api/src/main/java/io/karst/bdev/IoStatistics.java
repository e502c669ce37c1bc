package io.karst.bdev;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of a bdev's I/O statistics since it was registered (or since the last reset).
 *
 * @param byType       counters for each I/O type that has seen at least one request
 * @param inFlight     I/Os submitted to the module and not yet completed
 * @param sinceNanos   {@link System#nanoTime()} at which counting began
 * @param takenNanos   {@link System#nanoTime()} of this snapshot
 */
public record IoStatistics(Map<IoType, TypeStatistics> byType, long inFlight, long sinceNanos, long takenNanos) {

    public TypeStatistics of(IoType type) {
        return byType.getOrDefault(type, TypeStatistics.EMPTY);
    }

    /**
     * Counters of one I/O type. Latencies are measured from submission to completion, in nanoseconds.
     *
     * @param ops            completed I/Os (successful or not)
     * @param bytes          bytes covered by successful I/Os (transferred, or unmapped/zeroed for UNMAP, WRITE_ZEROES)
     * @param errors         completed I/Os with a status other than success
     * @param latencyNanos   sum of the latencies of all completed I/Os
     * @param histogram      latency histogram: buckets in increasing order, only non-empty ones
     */
    public record TypeStatistics(long ops, long bytes, long errors, long latencyNanos, long minLatencyNanos,
                                 long maxLatencyNanos, List<LatencyBucket> histogram) {
        public static final TypeStatistics EMPTY = new TypeStatistics(0, 0, 0, 0, 0, 0, List.of());

        public long meanLatencyNanos() {
            return ops == 0 ? 0 : latencyNanos / ops;
        }

        /** The latency below which the given fraction (0..1) of I/Os completed, from the histogram. */
        public long percentileNanos(double fraction) {
            long total = 0;
            for (LatencyBucket b : histogram) {
                total += b.count();
            }
            if (total == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(fraction * total);
            long seen = 0;
            for (LatencyBucket b : histogram) {
                seen += b.count();
                if (seen >= Math.max(rank, 1)) {
                    return b.upperNanos();
                }
            }
            return histogram.get(histogram.size() - 1).upperNanos();
        }
    }

    /** I/Os whose latency was at most {@code upperNanos} (and above the previous bucket's bound). */
    public record LatencyBucket(long upperNanos, long count) {
    }
}
