package io.karst.bdev;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Creates, deletes and resizes user-configured bdevs. Every bdev created here is a factory configuration in
 * Configuration Admin (persisted under {@code etc/}), so it comes back after a restart; the shell, JMX and RPC
 * all go through this service.
 */
public interface BdevAdmin {
    /** Module types that can be created, sorted by name. */
    List<TypeInfo> types();

    /**
     * Creates a bdev of the given type and waits until it is registered.
     *
     * @param arguments positional values in the order of the type's parameters, or {@code key=value}
     * @throws BdevException EXISTS, NOT_FOUND (no such type, or missing base bdev), INVALID, TIMEOUT, FAILED
     */
    Bdev create(String type, String name, List<String> arguments);

    /** Creates a bdev from named parameters (as JSON-RPC and saved configurations carry them). */
    Bdev create(String type, String name, Map<String, String> parameters);

    /** Deletes a configured bdev: its holders get a hot-remove event; the configuration is removed. */
    void delete(String name);

    /** Changes the size of a bdev whose module supports it; holders get a resize event. */
    Bdev resize(String name, long newSizeBytes);

    /**
     * Changes parameters of a configured bdev (e.g. a delay bdev's latencies); the type validates the result and
     * the module applies it. Parameters the module cannot change while the bdev exists are refused by the type.
     */
    void reconfigure(String name, Map<String, String> changes);

    /** Whether the bdev was created through configuration (and so can be deleted or resized here). */
    boolean isConfigured(String name);

    /** Names of all configured bdevs, registered or not (a virtual bdev may be waiting for its base), sorted. */
    List<String> configuredNames();

    /** The stored configuration of a configured bdev (type and parameters), for exports of the configuration. */
    Map<String, String> configuration(String name);

    /** Clears the I/O statistics of a bdev. */
    void resetStatistics(String name);

    /** How long create, delete and resize wait for the module. */
    Duration timeout();

    /** A creatable module type and its parameters, in positional order. */
    record TypeInfo(String name, String description, List<Parameter> parameters, boolean resizable) {
        public String usage() {
            StringBuilder sb = new StringBuilder(name).append(" <name>");
            for (Parameter p : parameters) {
                sb.append(p.required() ? " <" : " [").append(p.name()).append(p.required() ? ">" : "]");
            }
            return sb.toString();
        }
    }

    /** One parameter of a module type. */
    record Parameter(String name, String description, Kind kind, boolean required, String defaultValue) {
        /**
         * What kind of value a parameter takes (drives parsing and shell completion). {@code BDEV} names a base bdev
         * the new bdev claims exclusively: it must exist and have no writer and no claim.
         */
        public enum Kind { SIZE, INTEGER, BOOLEAN, STRING, BDEV, PATH, UUID }
    }
}
