package io.karst.bdev;

/** A refused bdev operation (open, create, delete, resize), with a reason and a message fit for an operator. */
public class BdevException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the operation was refused; frontends and RPC map these to their own error codes. */
    public enum Reason {
        /** No bdev (or module type) of that name. */
        NOT_FOUND,
        /** The name is already taken. */
        EXISTS,
        /** A claim held by another descriptor forbids the requested access (EBUSY). */
        CLAIMED,
        /** Write access requested on a read-only bdev (EROFS). */
        READ_ONLY,
        /** The bdev is being removed. */
        REMOVED,
        /** Bad parameters. */
        INVALID,
        /** The bdev or module cannot do this (e.g. resize a passthru). */
        UNSUPPORTED,
        /** The operation did not finish in time. */
        TIMEOUT,
        /** Anything else that went wrong. */
        FAILED
    }

    private final Reason reason;

    public BdevException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BdevException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
