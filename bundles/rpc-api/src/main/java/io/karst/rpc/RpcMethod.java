package io.karst.rpc;

/**
 * One JSON-RPC method (SPDK's name and parameter names where SPDK has the method). Registered as an OSGi service;
 * unregistering it removes the method from the server.
 */
public interface RpcMethod {
    /** The method name, e.g. {@code bdev_malloc_create}. */
    String name();

    /** One line for {@code rpc_get_methods} consumers and help texts. */
    default String description() {
        return "";
    }

    /**
     * Runs the method. Called on a server thread; may block for the duration of the operation (creating a bdev
     * waits for it to be registered), never on an I/O event loop.
     *
     * @return the result: a {@link java.util.Map} (JSON object, keys in insertion order), {@link java.util.List},
     *     {@link String}, {@link Number}, {@link Boolean} or {@code null}; nested freely
     * @throws RpcException with the JSON-RPC error code and message for the client
     */
    Object call(RpcParams params);
}
