package io.karst.iscsi.internal.login;

/**
 * What the target offers in operational negotiation (SPDK's iscsi_set_options values).
 *
 * @param maxRecvDataSegmentLength what we declare we can receive in one PDU
 * @param maxBurstLength           our upper bound of MaxBurstLength
 * @param firstBurstLength         our upper bound of FirstBurstLength
 * @param initialR2T               whether we insist on InitialR2T=Yes (no unsolicited Data-Out)
 * @param immediateData            whether we accept immediate data
 * @param maxOutstandingR2T        our upper bound of MaxOutstandingR2T
 * @param defaultTime2Wait         our DefaultTime2Wait
 * @param defaultTime2Retain       our DefaultTime2Retain
 */
public record TargetLimits(int maxRecvDataSegmentLength, int maxBurstLength, int firstBurstLength,
                           boolean initialR2T, boolean immediateData, int maxOutstandingR2T,
                           int defaultTime2Wait, int defaultTime2Retain) {
    public TargetLimits {
        check("MaxRecvDataSegmentLength", maxRecvDataSegmentLength, 512, 16777215);
        check("MaxBurstLength", maxBurstLength, 512, 16777215);
        check("FirstBurstLength", firstBurstLength, 512, maxBurstLength);
        check("MaxOutstandingR2T", maxOutstandingR2T, 1, 65535);
        check("DefaultTime2Wait", defaultTime2Wait, 0, 3600);
        check("DefaultTime2Retain", defaultTime2Retain, 0, 3600);
    }

    public static TargetLimits defaults() {
        return new TargetLimits(262144, 1048576, 65536, false, true, 16, 2, 20);
    }

    private static void check(String name, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", not " + v);
        }
    }
}
