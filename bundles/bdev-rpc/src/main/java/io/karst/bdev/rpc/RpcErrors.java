package io.karst.bdev.rpc;

import io.karst.bdev.BdevException;
import io.karst.rpc.RpcException;

/** How bdev failures answer over JSON-RPC: SPDK's {@code -errno} codes with its wording, then the detail. */
final class RpcErrors {
    private RpcErrors() {
    }

    static RpcException of(BdevException e) {
        return switch (e.reason()) {
            case NOT_FOUND, REMOVED -> RpcException.errno(RpcException.ENODEV, "No such device: " + e.getMessage());
            case EXISTS -> RpcException.errno(RpcException.EEXIST, "File exists: " + e.getMessage());
            case CLAIMED -> RpcException.errno(RpcException.EBUSY, "Device or resource busy: " + e.getMessage());
            case READ_ONLY -> RpcException.errno(RpcException.EROFS, "Read-only file system: " + e.getMessage());
            case INVALID -> RpcException.errno(RpcException.EINVAL, "Invalid argument: " + e.getMessage());
            case UNSUPPORTED -> RpcException.errno(RpcException.ENOTSUP, "Operation not supported: "
                    + e.getMessage());
            case TIMEOUT -> RpcException.errno(RpcException.ETIMEDOUT, "Connection timed out: " + e.getMessage());
            case FAILED -> RpcException.errno(RpcException.EIO, "Input/output error: " + e.getMessage());
        };
    }

    /** Runs an operation, turning bdev failures and bad parameters into RPC errors. */
    static <T> T call(java.util.function.Supplier<T> operation) {
        try {
            return operation.get();
        } catch (BdevException e) {
            throw of(e);
        } catch (IllegalArgumentException e) {
            throw RpcException.invalidParams(e.getMessage());
        }
    }
}
