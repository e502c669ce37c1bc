package io.karst.rpc.server.internal;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * JSON-RPC 2.0 semantics, independent of any transport: one decoded JSON value in, the response value out (or
 * none). Follows the specification and SPDK's server:
 *
 * <ul>
 *   <li>a request is an object with a string {@code method}, optional {@code params} (an object; {@code null} is
 *       no parameters), optional {@code jsonrpc} (must be {@code "2.0"} if present) and an optional {@code id}
 *       (a string, number or {@code null}, echoed back exactly);</li>
 *   <li>a request without {@code id} is a notification: it runs, and nothing is answered, not even an error;</li>
 *   <li>an array is a batch: its requests run in order and the answer is the array of their responses (none if
 *       they were all notifications); an empty array is an invalid request;</li>
 *   <li>errors carry SPDK's codes and messages ({@code -32600 "Invalid request"}, {@code -32601 "Method not
 *       found"}, ...) with the detail in {@code data}; methods fail with their own code ({@code -errno} for
 *       failed operations, {@code -32602} for bad parameters); anything unexpected is {@code -32603} and is
 *       logged with an incident number that the answer quotes, never with a stack trace on the wire.</li>
 * </ul>
 */
final class JsonRpcProtocol {
    private static final System.Logger LOG = System.getLogger(JsonRpcProtocol.class.getName());

    static final String PARSE_ERROR = "Parse error";
    static final String INVALID_REQUEST = "Invalid request";
    static final String METHOD_NOT_FOUND = "Method not found";
    static final String INTERNAL_ERROR = "Internal error";

    /** What runs a method: returns its result or throws {@link RpcException} (METHOD_NOT_FOUND if unknown). */
    interface Dispatcher {
        Object call(String method, Map<String, Object> params);
    }

    private final Dispatcher dispatcher;

    JsonRpcProtocol(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    /** The response to one top-level value (object, batch array or anything else), or {@code null} for none. */
    Object handle(Object message) {
        if (message instanceof List<?> batch) {
            if (batch.isEmpty()) {
                return error(null, RpcException.INVALID_REQUEST, INVALID_REQUEST, "empty batch");
            }
            List<Object> responses = new ArrayList<>(batch.size());
            for (Object element : batch) {
                Map<String, Object> response = single(element);
                if (response != null) {
                    responses.add(response);
                }
            }
            return responses.isEmpty() ? null : responses;
        }
        return single(message);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> single(Object message) {
        if (!(message instanceof Map<?, ?> raw)) {
            return error(null, RpcException.INVALID_REQUEST, INVALID_REQUEST, "a request is a JSON object, not "
                    + kind(message));
        }
        Map<String, Object> request = (Map<String, Object>) raw;
        boolean notification = !request.containsKey("id");
        Object id = request.get("id");
        if (id != null && !(id instanceof String) && !(id instanceof Number)) {
            return error(null, RpcException.INVALID_REQUEST, INVALID_REQUEST, "id must be a string, a number or null");
        }
        Object version = request.get("jsonrpc");
        if (request.containsKey("jsonrpc") && !"2.0".equals(version)) {
            return error(id, RpcException.INVALID_REQUEST, INVALID_REQUEST, "jsonrpc must be \"2.0\"");
        }
        Object method = request.get("method");
        if (!(method instanceof String name)) {
            return error(id, RpcException.INVALID_REQUEST, INVALID_REQUEST,
                    method == null ? "method missing" : "method must be a string");
        }
        Object params = request.get("params");
        Map<String, Object> named;
        if (params == null) {
            named = null;
        } else if (params instanceof Map<?, ?> m) {
            named = (Map<String, Object>) m;
        } else if (params instanceof List<?>) {
            return notification ? null : error(id, RpcException.INVALID_PARAMS, "Invalid parameters",
                    "params must be an object (named parameters)");
        } else {
            return error(id, RpcException.INVALID_REQUEST, INVALID_REQUEST, "params must be an object");
        }
        Object result;
        try {
            result = dispatcher.call(name, named);
        } catch (RpcException e) {
            if (notification) {
                return null;
            }
            return error(id, e.code(), e.getMessage() == null ? "Error" : e.getMessage(), e.data());
        } catch (RuntimeException | LinkageError | AssertionError e) {
            String incident = incident();
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC method " + name + " failed (incident " + incident + ")", e);
            return notification ? null : internalError(id, name, incident);
        }
        if (notification) {
            return null;
        }
        Map<String, Object> response = new LinkedHashMap<>(4);
        response.put("jsonrpc", "2.0");
        response.put("id", id);
        response.put("result", result);
        return response;
    }

    /**
     * The bytes of a response, one JSON value followed by a newline (as SPDK writes them). A result that is not a
     * plain JSON value becomes an internal error for its request (the method's bug is logged).
     */
    static byte[] encode(Object response) {
        try {
            return withNewline(JsonValues.toBytes(response, false));
        } catch (RuntimeException e) {
            if (response instanceof List<?> batch) {
                List<Object> repaired = new ArrayList<>(batch.size());
                for (Object r : batch) {
                    repaired.add(repair(r, e));
                }
                return withNewline(JsonValues.toBytes(repaired, false));
            }
            return withNewline(JsonValues.toBytes(repair(response, e), false));
        }
    }

    private static Object repair(Object response, RuntimeException cause) {
        try {
            JsonValues.toBytes(response, false);
            return response;
        } catch (RuntimeException e) {
            Object id = response instanceof Map<?, ?> m ? m.get("id") : null;
            String incident = incident();
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC result cannot be written as JSON (incident " + incident + ")", e);
            return internalError(id, "the method", incident);
        }
    }

    private static byte[] withNewline(byte[] json) {
        byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
        out[json.length] = '\n';
        return out;
    }

    static Map<String, Object> internalError(Object id, String method, String incident) {
        return error(id, RpcException.INTERNAL_ERROR, INTERNAL_ERROR,
                method + " failed unexpectedly; the Karst log (data/log/karaf.log) has the details under incident "
                        + incident);
    }

    static Map<String, Object> error(Object id, int code, String message, Object data) {
        Map<String, Object> error = new LinkedHashMap<>(4);
        error.put("code", code);
        error.put("message", message);
        if (data != null) {
            error.put("data", data);
        }
        Map<String, Object> response = new LinkedHashMap<>(4);
        response.put("jsonrpc", "2.0");
        response.put("id", id);
        response.put("error", error);
        return response;
    }

    private static String incident() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return value.getClass().getSimpleName();
    }
}
