package io.karst.iscsi.internal.pdu;

/** iSCSI opcodes (RFC 7143 11.1.1). */
public final class Opcode {
    public static final int NOP_OUT = 0x00;
    public static final int SCSI_COMMAND = 0x01;
    public static final int TASK_MGMT_REQUEST = 0x02;
    public static final int LOGIN_REQUEST = 0x03;
    public static final int TEXT_REQUEST = 0x04;
    public static final int DATA_OUT = 0x05;
    public static final int LOGOUT_REQUEST = 0x06;
    public static final int SNACK_REQUEST = 0x10;

    public static final int NOP_IN = 0x20;
    public static final int SCSI_RESPONSE = 0x21;
    public static final int TASK_MGMT_RESPONSE = 0x22;
    public static final int LOGIN_RESPONSE = 0x23;
    public static final int TEXT_RESPONSE = 0x24;
    public static final int DATA_IN = 0x25;
    public static final int LOGOUT_RESPONSE = 0x26;
    public static final int R2T = 0x31;
    public static final int ASYNC_MESSAGE = 0x32;
    public static final int REJECT = 0x3F;

    private Opcode() {
    }

    public static String name(int op) {
        return switch (op) {
            case NOP_OUT -> "NOP-Out";
            case SCSI_COMMAND -> "SCSI Command";
            case TASK_MGMT_REQUEST -> "Task Management Request";
            case LOGIN_REQUEST -> "Login Request";
            case TEXT_REQUEST -> "Text Request";
            case DATA_OUT -> "Data-Out";
            case LOGOUT_REQUEST -> "Logout Request";
            case SNACK_REQUEST -> "SNACK Request";
            case NOP_IN -> "NOP-In";
            case SCSI_RESPONSE -> "SCSI Response";
            case TASK_MGMT_RESPONSE -> "Task Management Response";
            case LOGIN_RESPONSE -> "Login Response";
            case TEXT_RESPONSE -> "Text Response";
            case DATA_IN -> "Data-In";
            case LOGOUT_RESPONSE -> "Logout Response";
            case R2T -> "R2T";
            case ASYNC_MESSAGE -> "Async Message";
            case REJECT -> "Reject";
            default -> String.format("opcode 0x%02x", op);
        };
    }

    /** Whether an initiator may send this opcode. */
    public static boolean isInitiatorOpcode(int op) {
        return op == NOP_OUT || op == SCSI_COMMAND || op == TASK_MGMT_REQUEST || op == LOGIN_REQUEST
                || op == TEXT_REQUEST || op == DATA_OUT || op == LOGOUT_REQUEST || op == SNACK_REQUEST;
    }

    /** Reject reasons (RFC 7143 11.17.1). */
    public static final int REJECT_DATA_DIGEST_ERROR = 0x02;
    public static final int REJECT_SNACK_REJECT = 0x03;
    public static final int REJECT_PROTOCOL_ERROR = 0x04;
    public static final int REJECT_COMMAND_NOT_SUPPORTED = 0x05;
    public static final int REJECT_IMMEDIATE_COMMAND_REJECT = 0x06;
    public static final int REJECT_TASK_IN_PROGRESS = 0x07;
    public static final int REJECT_INVALID_DATA_ACK = 0x08;
    public static final int REJECT_INVALID_PDU_FIELD = 0x09;
    public static final int REJECT_OUT_OF_RESOURCES = 0x0A;
    public static final int REJECT_NEGOTIATION_RESET = 0x0B;
    public static final int REJECT_WAITING_FOR_LOGOUT = 0x0C;
}
