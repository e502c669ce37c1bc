package io.karst.rpc;

import java.util.Map;

/**
 * One entry of a saved configuration: a method and its parameters, as in SPDK's JSON configuration
 * ({@code {"method": "bdev_malloc_create", "params": {...}}}).
 */
public record RpcCall(String method, Map<String, Object> params) {
    public RpcCall {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("method missing");
        }
        params = params == null ? Map.of() : params;
    }
}
