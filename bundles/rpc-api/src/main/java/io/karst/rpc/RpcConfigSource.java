package io.karst.rpc;

import java.util.List;

/**
 * One subsystem of {@code save_config}/{@code framework_get_config}: the current configuration as the RPC calls
 * that recreate it, in an order that works when replayed (bases before the bdevs stacked on them). Registered as
 * an OSGi service by the capability that owns the configuration.
 */
public interface RpcConfigSource {
    /** SPDK's subsystem name: {@code bdev}, {@code iscsi}, {@code nbd}, ... */
    String subsystem();

    /** Subsystems are saved and loaded in increasing order (bdev before the frontends that export bdevs). */
    int order();

    /** The calls that recreate the subsystem's configuration. */
    List<RpcCall> calls();

    /**
     * Subsystems this one needs (SPDK's {@code depends_on} of {@code framework_get_subsystems}, which
     * {@code rpc.py save_config --subsystems} follows), e.g. {@code ["bdev"]} for a frontend that exports bdevs.
     * Only names of subsystems with a lower {@link #order()} take effect.
     */
    default List<String> dependsOn() {
        return List.of();
    }
}
