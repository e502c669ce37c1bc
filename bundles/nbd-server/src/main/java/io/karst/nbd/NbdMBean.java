package io.karst.nbd;

/**
 * The NBD server over JMX: {@code io.karst:type=nbd}. The same operations as the {@code nbd:*} commands and the
 * JSON-RPC methods; exports have their own MBeans, {@code io.karst:type=nbdExport,name=<export>}.
 */
public interface NbdMBean {
    /** Address, port, transport, TLS mode. */
    String getListener();

    int getPort();

    /** One line per export: name, bdev, state, size, flags. */
    String[] getExports();

    /** One line per connection: id, client, export, phase, TLS, requests, bytes read and written. */
    String[] getConnections();

    int getConnectionCount();

    /**
     * Exports a bdev; {@code name} empty means the bdev's name; {@code multiConn} auto, on or off. Returns the
     * export name.
     */
    String startExport(String bdev, String name, boolean readOnly, boolean isDefault, String description,
                       String multiConn);

    void stopExport(String name);

    /** Closes the connections of an export (empty: all); returns how many. */
    int disconnect(String export);
}
