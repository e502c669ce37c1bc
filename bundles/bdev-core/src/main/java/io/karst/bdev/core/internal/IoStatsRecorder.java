package io.karst.bdev.core.internal;

import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Per-bdev I/O counters and latency histograms, recorded at completion from any thread without locks
 * (striped adders, an atomic histogram per I/O type created on first use).
 */
final class IoStatsRecorder {
    /** Latencies above an hour are clamped (a hung I/O must not break the histogram). */
    private static final long MAX_TRACKED_NANOS = 3_600_000_000_000L;

    private final AtomicReferenceArray<TypeCounters> counters = new AtomicReferenceArray<>(IoType.values().length);
    private volatile long sinceNanos = System.nanoTime();

    void record(IoType type, IoStatus status, long bytes, long latencyNanos) {
        TypeCounters c = counters.get(type.ordinal());
        if (c == null) {
            c = create(type);
        }
        c.ops.increment();
        if (status == IoStatus.SUCCESS) {
            c.bytes.add(bytes);
        } else if (status != IoStatus.NOT_HANDLED) { // a pass-through left to the frontend is no error
            c.errors.increment();
        }
        long lat = latencyNanos < 1 ? 1 : Math.min(latencyNanos, MAX_TRACKED_NANOS);
        c.latency.add(lat);
        c.histogram.recordValue(lat);
    }

    private TypeCounters create(IoType type) {
        TypeCounters fresh = new TypeCounters();
        if (counters.compareAndSet(type.ordinal(), null, fresh)) {
            return fresh;
        }
        return counters.get(type.ordinal());
    }

    void reset() {
        for (int i = 0; i < counters.length(); i++) {
            counters.set(i, null);
        }
        sinceNanos = System.nanoTime();
    }

    IoStatistics snapshot(long inFlight) {
        Map<IoType, IoStatistics.TypeStatistics> byType = new EnumMap<>(IoType.class);
        for (IoType t : IoType.values()) {
            TypeCounters c = counters.get(t.ordinal());
            if (c != null) {
                byType.put(t, c.snapshot());
            }
        }
        return new IoStatistics(Map.copyOf(byType), inFlight, sinceNanos, System.nanoTime());
    }

    private static final class TypeCounters {
        final LongAdder ops = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder latency = new LongAdder();
        /** Nanoseconds, two significant digits: ~1% resolution from 1 ns to an hour. */
        final AtomicHistogram histogram = new AtomicHistogram(1, MAX_TRACKED_NANOS, 2);

        IoStatistics.TypeStatistics snapshot() {
            List<IoStatistics.LatencyBucket> buckets = new ArrayList<>();
            AtomicHistogram copy = histogram.copy();
            for (HistogramIterationValue v : copy.recordedValues()) {
                buckets.add(new IoStatistics.LatencyBucket(copy.highestEquivalentValue(v.getValueIteratedTo()),
                        v.getCountAtValueIteratedTo()));
            }
            long total = copy.getTotalCount();
            return new IoStatistics.TypeStatistics(ops.sum(), bytes.sum(), errors.sum(), latency.sum(),
                    total == 0 ? 0 : copy.getMinValue(), total == 0 ? 0 : copy.getMaxValue(), List.copyOf(buckets));
        }
    }
}
