package io.karst.iscsi.internal.pdu;

/** A PDU that cannot be accepted: the connection answers with a Reject where it can, then closes. */
public final class PduException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Kind { PROTOCOL, OVERSIZE, HEADER_DIGEST, DATA_DIGEST }

    private final Kind kind;
    private final transient byte[] bhs;

    public PduException(Kind kind, String message) {
        this(kind, message, null);
    }

    public PduException(Kind kind, String message, byte[] bhs) {
        super(message, null, false, false);
        this.kind = kind;
        this.bhs = bhs;
    }

    public Kind kind() {
        return kind;
    }

    /** The header of the offending PDU when it could be read, else null. */
    public byte[] bhs() {
        return bhs;
    }
}
