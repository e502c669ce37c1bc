package io.karst.iscsi.internal.login;

/** The operational parameters of a session as negotiated (RFC 7143 defaults until then). */
public final class SessionParams {
    public boolean headerDigest;
    public boolean dataDigest;
    public int maxConnections = 1;
    public boolean initialR2T = true;
    public boolean immediateData = true;
    /** What the initiator declared it can receive: the limit for our Data-In and text PDUs. */
    public int initiatorMaxRecvDataSegmentLength = 8192;
    /** What we declared we can receive (8192 unless declared during operational negotiation). */
    public int targetMaxRecvDataSegmentLength = 8192;
    public int maxBurstLength = 262144;
    public int firstBurstLength = 65536;
    public int defaultTime2Wait = 2;
    public int defaultTime2Retain = 20;
    public int maxOutstandingR2T = 1;
    public boolean dataPduInOrder = true;
    public boolean dataSequenceInOrder = true;
    public int errorRecoveryLevel;

    @Override
    public String toString() {
        return "HeaderDigest=" + (headerDigest ? "CRC32C" : "None") + " DataDigest=" + (dataDigest ? "CRC32C" : "None")
                + " MaxConnections=" + maxConnections + " InitialR2T=" + yes(initialR2T)
                + " ImmediateData=" + yes(immediateData) + " MaxRecvDataSegmentLength(initiator)="
                + initiatorMaxRecvDataSegmentLength + " MaxRecvDataSegmentLength(target)="
                + targetMaxRecvDataSegmentLength + " MaxBurstLength=" + maxBurstLength + " FirstBurstLength="
                + firstBurstLength + " DefaultTime2Wait=" + defaultTime2Wait + " DefaultTime2Retain="
                + defaultTime2Retain + " MaxOutstandingR2T=" + maxOutstandingR2T + " DataPDUInOrder="
                + yes(dataPduInOrder) + " DataSequenceInOrder=" + yes(dataSequenceInOrder)
                + " ErrorRecoveryLevel=" + errorRecoveryLevel;
    }

    static String yes(boolean b) {
        return b ? "Yes" : "No";
    }
}
