package io.karst.fuse;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The FUSE frontend: a file system at a mount point with {@code dev/<bdev>} files for the exported bdevs and the
 * {@code proc/} and {@code sys/} status trees. Its settings live in Configuration Admin (PID {@value #PID}); the
 * changing operations here update that configuration, so they persist.
 */
@ProviderType
public interface FuseFrontend {
    String PID = "io.karst.fuse";

    /** The mount and its counters. */
    Status status();

    /** The bdevs that are files now ({@code dev/<name>}), with their opens and I/O. */
    List<FileInfo> files();

    /** Mounts (at {@code mountPoint}, or the configured one when null) and keeps it mounted across restarts. */
    void mount(String mountPoint);

    /** Unmounts and keeps it unmounted across restarts. */
    void unmount();

    /** Exports all bdevs ({@code "*"}) or the given names; persisted. */
    void setExports(List<String> names);

    /** Starts the in-flight high-water marks afresh. */
    void resetMaxInFlight();

    /**
     * @param mountPoint    where the file system is (or would be) mounted
     * @param state         {@code mounted}, {@code unmounted}, {@code disabled} or {@code failed}
     * @param detail        why it is not mounted, or the connection's facts
     * @param exports       {@code *} or the exported names
     */
    record Status(String mountPoint, String state, String detail, List<String> exports, int threads,
                  int maxBackground, int maxWrite, long requests, int openFiles, int buffersInUse) {
    }

    record FileInfo(String bdev, String path, boolean readOnly, long sizeBytes, int readOpens, int writeOpens,
                    long inFlight, long maxInFlight, long reads, long writes, long bytesRead, long bytesWritten,
                    long flushes, long errors, long refusedOpens) {
    }
}
