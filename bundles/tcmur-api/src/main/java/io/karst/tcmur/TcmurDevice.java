package io.karst.tcmur;

/**
 * A device as its handler sees it: its configuration and tunables (tcmu-runner's {@code tcmu_dev_get_*} and
 * {@code tcmu_dev_set_*}, with the same defaults), the handler's private state, and logging with the device's
 * name. Setters are meant for {@link TcmurHandler#open}: the host reads the values when open returns.
 */
public interface TcmurDevice {
    /** The bdev name. */
    String name();

    /** The config string, subtype included ({@code file//var/lib/disk.img}). */
    String cfgString();

    /** The config string after the subtype and its '/' ({@code /var/lib/disk.img}). */
    default String config() {
        String s = cfgString();
        int slash = s.indexOf('/');
        return slash < 0 ? "" : s.substring(slash + 1);
    }

    /** The size the device was created with, in bytes (configfs {@code Size}); 0 when none was given. */
    long configuredSize();

    int blockSize();

    void blockSize(int bytes);

    long numLbas();

    void numLbas(long blocks);

    /** Maximum transfer length in blocks. */
    int maxXferLength();

    void maxXferLength(int blocks);

    int optUnmapGranularity();

    void optUnmapGranularity(int blocks);

    int unmapGranularityAlignment();

    void unmapGranularityAlignment(int blocks);

    int maxUnmapLength();

    void maxUnmapLength(int blocks);

    boolean writeCacheEnabled();

    void writeCacheEnabled(boolean enabled);

    boolean solidStateMedia();

    void solidStateMedia(boolean solidState);

    /** The handler's state for this device (tcmu-runner's {@code tcmur_dev_get_private}). */
    Object handlerPrivate();

    void handlerPrivate(Object state);

    /** Logs at {@code level} into the container's log, with the device's name. */
    void log(System.Logger.Level level, String message);

    default void log(System.Logger.Level level, String message, Throwable error) {
        log(level, message + ": " + error);
    }

    /** The handler lost its lock on the backing store (tcmu-runner's {@code tcmu_notify_lock_lost}). */
    void notifyLockLost();

    /** A command timed out in the backing store (tcmu-runner's {@code tcmu_notify_cmd_timed_out}). */
    void notifyCommandTimedOut();
}
