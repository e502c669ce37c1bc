package io.karst.bdev.spi;

import io.karst.bdev.BdevAdmin;
import java.util.List;
import java.util.Map;

/**
 * A kind of bdev users can create ({@code malloc}, {@code file}, ...), registered as an OSGi service by its module.
 * The core's {@link BdevAdmin} parses and normalises arguments against {@link #parameters()}, lets the type
 * validate them, and stores the result as a factory configuration of {@link #factoryPid()} named after the bdev.
 * The module's configuration-driven component then creates the device.
 *
 * <p>Every configuration carries {@value #NAME} and {@value #UUID} besides the type's own parameters.
 */
public interface BdevType {
    /** Configuration key of the bdev name. */
    String NAME = "name";
    /** Configuration key of the bdev UUID (generated at creation, kept for life). */
    String UUID = "uuid";
    /** Configuration key of the size in bytes for resizable types. */
    String SIZE = "size";
    /** Configuration key of the block size. */
    String BLOCK_SIZE = "block_size";

    String name();

    String description();

    String factoryPid();

    /** Parameters in positional order (the name is not one of them). */
    List<BdevAdmin.Parameter> parameters();

    /** Whether {@link BdevAdmin#resize} works for this type (through the {@value #SIZE} property). */
    default boolean resizable() {
        return false;
    }

    /**
     * Validates normalised parameters (sizes in bytes, booleans as true/false, absent optionals filled with their
     * defaults) and returns the configuration properties to store.
     *
     * @throws IllegalArgumentException with a message for the operator
     */
    Map<String, Object> configure(Map<String, String> parameters);

    /** SPDK's JSON-RPC methods for this type, or {@code null} when SPDK has none. */
    default SpdkRpcMapping spdkRpc() {
        return null;
    }
}
