package io.karst.iscsi;

/** One iSCSI connection (and its session: Karst negotiates one connection per session). */
public record ConnectionInfo(int id, String initiatorName, String initiatorAddress, String targetName,
                             String portal, int portalGroupTag, String isid, int tsih, int cid, boolean discovery,
                             String state, String chapUser, String parameters, long commands, int outstanding) {
}
