package io.karst.rpc.server.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** The server's settings, resolved from {@link RpcServer.Config} and the system properties of the instance. */
record ServerSettings(
        Path socket,
        boolean tcpEnabled,
        String tcpAddress,
        int tcpPort,
        int maxConnections,
        int maxRequestBytes,
        Duration requestTimeout,
        Duration idleTimeout,
        int workerThreads,
        int maxPendingRequests,
        Path loadConfig,
        Duration loadConfigWait) {

    /** The socket when neither the configuration nor {@code karst.jsonrpc.socket} names one. */
    static final String DEFAULT_SOCKET = "/var/tmp/karst.sock";
    static final String SOCKET_PROPERTY = "karst.jsonrpc.socket";

    static ServerSettings of(RpcServer.Config c, UnaryOperator<String> systemProperties) {
        Path base = Path.of(orElse(systemProperties.apply("karaf.base"), "."));
        String socket = orElse(c.socket(), orElse(systemProperties.apply(SOCKET_PROPERTY), DEFAULT_SOCKET));
        String load = orElse(c.load_config(), null);
        return new ServerSettings(
                base.resolve(socket).normalize(),
                c.tcp_enabled(),
                orElse(c.tcp_address(), "127.0.0.1"),
                c.tcp_port(),
                Math.max(1, c.max_connections()),
                Math.max(1024, c.max_request_bytes()),
                Duration.ofMillis(Math.max(100, c.request_timeout_ms())),
                Duration.ofMillis(Math.max(0, c.idle_timeout_ms())),
                Math.max(1, c.worker_threads()),
                Math.max(1, c.max_pending_requests()),
                load == null ? null : base.resolve(load).normalize(),
                Duration.ofMillis(Math.max(0, c.load_config_wait_ms())));
    }

    /** A value, unless it is blank or a placeholder nobody resolved ({@code ${...}}). */
    private static String orElse(String value, String fallback) {
        if (value == null || value.isBlank() || value.contains("${")) {
            return fallback;
        }
        return value.trim();
    }
}
