package io.karst.iscsi;

import java.util.List;

/**
 * The iSCSI target's management surface: what shell commands, MBeans and JSON-RPC methods call. Changes are
 * written to Configuration Admin (persisted under {@code etc/}) and applied live: LUNs can be added to and removed
 * from a running target without disturbing sessions.
 */
public interface IscsiTarget {
    IscsiOptions options();

    List<PortalGroupConfig> portalGroups();

    List<InitiatorGroupConfig> initiatorGroups();

    /** Auth groups; their secrets are not part of any view. */
    List<Integer> authGroupTags();

    List<TargetNodeConfig> targetNodes();

    List<LunInfo> luns(String target);

    List<ConnectionInfo> connections();

    /** The full target name for a short or full one (short names get the node base). */
    String fullName(String name);

    void createTargetNode(TargetNodeConfig config);

    void deleteTargetNode(String name);

    void addLun(String target, int lun, String bdev);

    void removeLun(String target, int lun);

    void createPortalGroup(PortalGroupConfig config);

    void deletePortalGroup(int tag);

    void createInitiatorGroup(InitiatorGroupConfig config);

    void deleteInitiatorGroup(int tag);

    void createAuthGroup(AuthGroupConfig config);

    void deleteAuthGroup(int tag);
}
