package io.karst.fuse;

/** JMX view of the FUSE frontend ({@code io.karst:type=fuse}); the same service as the fuse:* commands. */
public interface FuseMBean {
    String getMountPoint();

    String getState();

    String getDetail();

    String[] getExports();

    long getRequests();

    int getOpenFiles();

    /** One line per file: name, opens, in flight, high-water mark, reads, writes, flushes, errors. */
    String[] getFiles();

    long inFlight(String bdev);

    long maxInFlight(String bdev);

    void mount(String mountPoint);

    void unmount();

    void setExports(String[] names);

    void resetMaxInFlight();
}
