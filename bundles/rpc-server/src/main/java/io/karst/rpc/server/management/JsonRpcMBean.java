package io.karst.rpc.server.management;

/**
 * The JSON-RPC server over JMX ({@code io.karst:type=rpc}): the same methods as the socket, with parameters and
 * results as JSON text, for JMX consoles and Jolokia.
 */
public interface JsonRpcMBean {
    /** Names of the methods, sorted. */
    String[] getMethods();

    /** Where the server listens ({@code unix:/var/tmp/karst.sock}, {@code tcp:127.0.0.1:5260}). */
    String[] getListeners();

    int getConnectionsOpen();

    long getRequests();

    /** How the startup configuration file (load.config) went. */
    String getStartupConfiguration();

    /**
     * Calls a method.
     *
     * @param paramsJson the parameters as a JSON object, or empty for none
     * @return the result as indented JSON
     * @throws IllegalArgumentException the parameters are not a JSON object
     * @throws IllegalStateException the method answered with an error: "JSON-RPC error CODE: MESSAGE"
     */
    String call(String method, String paramsJson);

    /** {@code save_config}, as indented JSON. */
    String saveConfig();

    /** {@code load_config} of a configuration in SPDK's JSON format; returns the report as indented JSON. */
    String loadConfig(String configJson);
}
