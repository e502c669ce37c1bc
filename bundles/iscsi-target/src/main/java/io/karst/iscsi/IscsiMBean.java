package io.karst.iscsi;

/**
 * JMX view and operations of the iSCSI target ({@code io.karst:type=iscsi}); the same operations as the
 * {@code iscsi:*} commands and the {@code iscsi_*} JSON-RPC methods. Values are plain strings and arrays so that any
 * JMX client (jconsole, Jolokia, Hawtio) can use them.
 */
public interface IscsiMBean {
    /** One line per target: name, LUNs (lun=bdev[state]), PG:IG maps, CHAP. */
    String[] getTargets();

    /** One line per connection: id, initiator, address, target, TSIH, state, commands. */
    String[] getConnections();

    /** Portal groups as tag=portals. */
    String[] getPortalGroups();

    int getConnectionCount();

    void addLun(String target, int lun, String bdev);

    void removeLun(String target, int lun);

    void createTarget(String name, String luns, String pgIgMaps);

    void deleteTarget(String name);
}
