package io.karst.tcmur;

/**
 * Handler status codes: tcmu-runner's {@code TCMU_STS_*} values, with the same meaning (each maps to a SCSI
 * status and sense data when the command came from a SCSI initiator).
 */
public final class TcmuStatus {
    /** The handler accepted the command and will complete it later with {@link TcmurCommand#complete}. */
    public static final int ASYNC_HANDLED = -2;
    /** {@code handle_cmd}: the handler leaves the command to the host's emulation. */
    public static final int NOT_HANDLED = -1;
    public static final int OK = 0;
    /** Temporarily out of resources (TASK SET FULL). */
    public static final int NO_RESOURCE = 1;
    /** The handler set its own sense data in {@link TcmurCommand#sense()}. */
    public static final int PASSTHROUGH_ERR = 2;
    public static final int BUSY = 3;
    /** Write error (MEDIUM ERROR, write error). */
    public static final int WR_ERR = 4;
    /** Read error (MEDIUM ERROR, unrecovered read error). */
    public static final int RD_ERR = 5;
    public static final int MISCOMPARE = 6;
    public static final int INVALID_CMD = 7;
    public static final int INVALID_CDB = 8;
    public static final int INVALID_PARAM_LIST = 9;
    public static final int INVALID_PARAM_LIST_LEN = 10;
    public static final int TIMEOUT = 11;
    public static final int FENCED = 12;
    public static final int HW_ERR = 13;
    public static final int RANGE = 14;
    public static final int FRMT_IN_PROGRESS = 15;
    public static final int CAPACITY_CHANGED = 16;
    public static final int NOTSUPP_SAVE_PARAMS = 17;
    public static final int WR_ERR_INCOMPAT_FRMT = 18;
    public static final int TRANSITION = 19;
    public static final int IMPL_TRANSITION_ERR = 20;
    public static final int EXPL_TRANSITION_ERR = 21;
    public static final int NO_LOCK_HOLDERS = 22;

    private static final String[] NAMES = {"ASYNC_HANDLED", "NOT_HANDLED", "OK", "NO_RESOURCE", "PASSTHROUGH_ERR",
        "BUSY", "WR_ERR", "RD_ERR", "MISCOMPARE", "INVALID_CMD", "INVALID_CDB", "INVALID_PARAM_LIST",
        "INVALID_PARAM_LIST_LEN", "TIMEOUT", "FENCED", "HW_ERR", "RANGE", "FRMT_IN_PROGRESS", "CAPACITY_CHANGED",
        "NOTSUPP_SAVE_PARAMS", "WR_ERR_INCOMPAT_FRMT", "TRANSITION", "IMPL_TRANSITION_ERR", "EXPL_TRANSITION_ERR",
        "NO_LOCK_HOLDERS"};

    private TcmuStatus() {
    }

    /** The constant's name ({@code "RD_ERR"}), or the number for codes this class does not know. */
    public static String name(int status) {
        int i = status + 2;
        return i >= 0 && i < NAMES.length ? NAMES[i] : Integer.toString(status);
    }
}
