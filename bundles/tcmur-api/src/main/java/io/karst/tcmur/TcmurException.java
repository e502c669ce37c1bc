package io.karst.tcmur;

/** A handler's refusal to open a device (or of another management call), with the reason for the operator. */
public class TcmurException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public TcmurException(String message) {
        this(message, 22);
    }

    /** {@code errno}: the Linux error number a native handler would have returned (negated) from open. */
    public TcmurException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public TcmurException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 5;
    }

    public int errno() {
        return errno;
    }
}
