package io.karst.scsi;

import java.util.List;

/**
 * An ALUA target port group: the relative target ports it contains and their asymmetric access state, as reported
 * by REPORT TARGET PORT GROUPS.
 */
public record PortGroup(int id, AccessState state, boolean preferred, List<Integer> relativePorts) {
    public PortGroup {
        if (id < 0 || id > 0xFFFF) {
            throw new IllegalArgumentException("target port group id must be 0..65535");
        }
        relativePorts = List.copyOf(relativePorts);
    }

    /** Asymmetric access states (SPC-4 table 147) with their codes. */
    public enum AccessState {
        ACTIVE_OPTIMIZED(0x0),
        ACTIVE_NON_OPTIMIZED(0x1),
        STANDBY(0x2),
        UNAVAILABLE(0x3),
        TRANSITIONING(0xF);

        private final int code;

        AccessState(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** The default: one active/optimized group 1 holding relative port 1. */
    public static List<PortGroup> single() {
        return List.of(new PortGroup(1, AccessState.ACTIVE_OPTIMIZED, true, List.of(1)));
    }
}
