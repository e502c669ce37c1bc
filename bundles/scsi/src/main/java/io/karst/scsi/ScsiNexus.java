package io.karst.scsi;

import java.util.Objects;

/**
 * An I_T nexus: one initiator port talking to one target port. Unit attentions and reservations are kept per
 * nexus. For iSCSI the initiator port is {@code <initiator name>,i,0x<ISID>} and the target port
 * {@code <target name>,t,0x<portal group tag>}.
 *
 * @param initiatorPort       the initiator port name
 * @param targetPort          the target port name
 * @param relativeTargetPort  the relative target port identifier (1..65535) the nexus goes through
 */
public record ScsiNexus(String initiatorPort, String targetPort, int relativeTargetPort) {
    public ScsiNexus {
        Objects.requireNonNull(initiatorPort, "initiatorPort");
        Objects.requireNonNull(targetPort, "targetPort");
        if (relativeTargetPort < 1 || relativeTargetPort > 0xFFFF) {
            throw new IllegalArgumentException("relative target port must be 1..65535");
        }
    }
}
