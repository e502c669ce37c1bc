package io.karst.rpc;

/**
 * A JSON-RPC error: code and message as the client sees them. Codes follow JSON-RPC 2.0 and SPDK: the standard
 * negative codes for malformed requests, and {@code -errno} for failures of the operation itself (SPDK answers
 * e.g. {@code -17 "File exists"} for a bdev name that is taken).
 */
public class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;

    /** errno values SPDK's methods answer with (negated). */
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENOTSUP = 95;
    public static final int ETIMEDOUT = 110;

    private final int code;
    private final transient Object data;

    public RpcException(int code, String message) {
        this(code, message, null, null);
    }

    public RpcException(int code, String message, Throwable cause) {
        this(code, message, null, cause);
    }

    /**
     * An error with JSON-RPC's optional {@code data} member: more detail for the client, as a plain value (see
     * {@link RpcMethod#call}), e.g. the per-call report of a configuration that did not load completely.
     */
    public RpcException(int code, String message, Object data, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.data = data;
    }

    public int code() {
        return code;
    }

    /** The error's {@code data} member, or {@code null}. */
    public Object data() {
        return data;
    }

    public static RpcException invalidParams(String message) {
        return new RpcException(INVALID_PARAMS, message);
    }

    /** An operation failure with SPDK's convention: code {@code -errno}. */
    public static RpcException errno(int errno, String message) {
        return new RpcException(-errno, message);
    }
}
