package io.karst.bdev.core.management;

/** One bdev over JMX: {@code io.karst:type=bdev,name=<name>}. */
public interface BdevMBean {
    String getName();

    String[] getAliases();

    String getUuid();

    String getModule();

    String getProductName();

    int getBlockSize();

    long getBlockCount();

    long getSizeBytes();

    int getRequiredAlignment();

    int getOptimalIoBoundary();

    boolean isWriteCache();

    boolean isReadOnly();

    String[] getIoTypes();

    /** "holder (read-write, claim)" per open descriptor. */
    String[] getHolders();

    String[] getDriverInfo();

    long getInFlight();

    long getReadOps();

    long getWriteOps();

    long getBytesRead();

    long getBytesWritten();

    long getUnmapOps();

    long getFlushOps();

    long getErrors();

    long getReadLatencyMeanNanos();

    long getReadLatencyP99Nanos();

    long getWriteLatencyMeanNanos();

    long getWriteLatencyP99Nanos();

    /** One line per I/O type: ops, bytes, errors, mean/min/max/p50/p99 latency. */
    String[] getIostat();

    /** Latency histogram of one I/O type ({@code read}, {@code write}, ...): "upper_bound_ns count" per bucket. */
    String[] latencyHistogram(String ioType);

    /** Resizes (malloc, file): e.g. "512M". */
    void resize(String size);

    /** Deletes the bdev and its configuration. */
    void delete();

    void resetStatistics();
}
