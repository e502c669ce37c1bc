package io.karst.nbd;

/** One export over JMX: {@code io.karst:type=nbdExport,name=<export>}. */
public interface NbdExportMBean {
    String getName();

    String getBdev();

    /** {@code serving} or {@code waiting for bdev}. */
    String getState();

    long getSize();

    int getBlockSize();

    boolean isReadOnly();

    boolean isDefault();

    String getDescription();

    /** Transmission flags advertised, by name. */
    String getFlags();

    int getConnections();

    /** Closes this export's connections; returns how many. */
    int disconnect();
}
