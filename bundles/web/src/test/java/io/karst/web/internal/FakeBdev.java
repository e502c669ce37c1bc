package io.karst.web.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** A bdev whose statistics a test sets. */
final class FakeBdev implements Bdev {
    final String name;
    final UUID uuid = UUID.randomUUID();
    final List<Holder> holders = new ArrayList<>();
    volatile IoStatistics stats;

    FakeBdev(String name) {
        this.name = name;
        this.stats = new IoStatistics(Map.of(), 0, 0, 0);
    }

    /** Sets the counters of one I/O type (keeping the others) as of {@code takenNanos}. */
    FakeBdev counters(IoType type, long ops, long bytes, long errors, long latencyNanos, long takenNanos,
                      IoStatistics.LatencyBucket... histogram) {
        Map<IoType, IoStatistics.TypeStatistics> byType = new EnumMap<>(IoType.class);
        byType.putAll(stats.byType());
        long max = 0;
        for (IoStatistics.LatencyBucket b : histogram) {
            max = Math.max(max, b.upperNanos());
        }
        byType.put(type, new IoStatistics.TypeStatistics(ops, bytes, errors, latencyNanos, 0, max,
                List.of(histogram)));
        stats = new IoStatistics(byType, stats.inFlight(), stats.sinceNanos(), takenNanos);
        return this;
    }

    FakeBdev at(long takenNanos) {
        stats = new IoStatistics(stats.byType(), stats.inFlight(), stats.sinceNanos(), takenNanos);
        return this;
    }

    FakeBdev startOver(long sinceNanos) {
        stats = new IoStatistics(Map.of(), 0, sinceNanos, sinceNanos);
        return this;
    }

    FakeBdev holder(String who, boolean writable, ClaimType claim) {
        holders.add(new Holder(who, writable, claim));
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> aliases() {
        return Set.of();
    }

    @Override
    public UUID uuid() {
        return uuid;
    }

    @Override
    public String module() {
        return "malloc";
    }

    @Override
    public String productName() {
        return "Malloc disk";
    }

    @Override
    public int blockSize() {
        return 512;
    }

    @Override
    public long blockCount() {
        return 2048;
    }

    @Override
    public int requiredAlignment() {
        return 1;
    }

    @Override
    public int optimalIoBoundary() {
        return 0;
    }

    @Override
    public boolean writeCache() {
        return false;
    }

    @Override
    public boolean unmapReadsZeroes() {
        return true;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public Set<IoType> ioTypes() {
        return EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH, IoType.UNMAP);
    }

    @Override
    public Map<String, String> driverInfo() {
        return Map.of("memory", "direct");
    }

    @Override
    public List<Holder> holders() {
        return List.copyOf(holders);
    }

    @Override
    public IoStatistics statistics() {
        return stats;
    }

    @Override
    public boolean removed() {
        return false;
    }
}
