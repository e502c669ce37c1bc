package io.karst.web.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Per-second rates of each bdev, from the difference of two statistics snapshots. Sampling is driven by the
 * readers (the dashboard polls about once a second): no thread runs while nobody looks. A new sample is taken when
 * the last one is at least {@code minIntervalNanos} old; readers in between get the rates of the last interval.
 * After a pause longer than {@code maxIntervalNanos}, or when a bdev's counters start over (a reset, or a new bdev
 * of the same name), the rates are unknown ({@code null}) until the next interval.
 */
final class BdevRates {
    /** What a row of the dashboard groups: reads, writes, and every other I/O type together. */
    enum Group {
        READ, WRITE, OTHER;

        static Group of(IoType type) {
            return switch (type) {
                case READ -> READ;
                case WRITE -> WRITE;
                default -> OTHER;
            };
        }
    }

    /** Rates of one group over one interval. */
    record GroupRates(double iops, double bytesPerSecond, double errorsPerSecond, double meanLatencyNanos) {
    }

    /** Rates of one bdev over one interval. */
    record Rates(double seconds, Map<Group, GroupRates> groups) {
        GroupRates of(Group g) {
            return groups.get(g);
        }

        double totalIops() {
            return groups.values().stream().mapToDouble(GroupRates::iops).sum();
        }
    }

    private record Sample(UUID uuid, IoStatistics stats, Rates rates) {
    }

    private final long minIntervalNanos;
    private final long maxIntervalNanos;
    private final Map<String, Sample> samples = new HashMap<>();

    BdevRates(long minIntervalNanos, long maxIntervalNanos) {
        this.minIntervalNanos = minIntervalNanos;
        this.maxIntervalNanos = maxIntervalNanos;
    }

    /** A statistics snapshot and the rates (or {@code null}: not known yet) of every given bdev. */
    record Reading(IoStatistics stats, Rates rates) {
    }

    synchronized Map<String, Reading> read(List<Bdev> bdevs) {
        Map<String, Reading> out = new HashMap<>();
        Set<String> present = new HashSet<>();
        for (Bdev bdev : bdevs) {
            present.add(bdev.name());
            IoStatistics now = bdev.statistics();
            Sample last = samples.get(bdev.name());
            if (last == null || !last.uuid().equals(bdev.uuid()) || startedOver(last.stats(), now)) {
                samples.put(bdev.name(), new Sample(bdev.uuid(), now, null));
                out.put(bdev.name(), new Reading(now, null));
                continue;
            }
            long elapsed = now.takenNanos() - last.stats().takenNanos();
            if (elapsed < minIntervalNanos) {
                out.put(bdev.name(), new Reading(now, last.rates()));
            } else if (elapsed > maxIntervalNanos) {
                samples.put(bdev.name(), new Sample(bdev.uuid(), now, null));
                out.put(bdev.name(), new Reading(now, null));
            } else {
                Rates rates = rates(last.stats(), now);
                samples.put(bdev.name(), new Sample(bdev.uuid(), now, rates));
                out.put(bdev.name(), new Reading(now, rates));
            }
        }
        samples.keySet().retainAll(present);
        return out;
    }

    private static boolean startedOver(IoStatistics before, IoStatistics now) {
        if (before.sinceNanos() != now.sinceNanos()) {
            return true;
        }
        for (Map.Entry<IoType, IoStatistics.TypeStatistics> e : before.byType().entrySet()) {
            if (now.of(e.getKey()).ops() < e.getValue().ops()) {
                return true;
            }
        }
        return false;
    }

    static Rates rates(IoStatistics before, IoStatistics now) {
        double seconds = (now.takenNanos() - before.takenNanos()) / 1e9;
        long[][] delta = new long[Group.values().length][4]; // ops, bytes, errors, latency
        for (IoType type : IoType.values()) {
            IoStatistics.TypeStatistics a = before.of(type);
            IoStatistics.TypeStatistics b = now.of(type);
            long[] d = delta[Group.of(type).ordinal()];
            d[0] += b.ops() - a.ops();
            d[1] += b.bytes() - a.bytes();
            d[2] += b.errors() - a.errors();
            d[3] += b.latencyNanos() - a.latencyNanos();
        }
        Map<Group, GroupRates> groups = new EnumMap<>(Group.class);
        for (Group g : Group.values()) {
            long[] d = delta[g.ordinal()];
            groups.put(g, new GroupRates(d[0] / seconds, d[1] / seconds, d[2] / seconds,
                    d[0] == 0 ? 0 : (double) d[3] / d[0]));
        }
        return new Rates(seconds, groups);
    }
}
