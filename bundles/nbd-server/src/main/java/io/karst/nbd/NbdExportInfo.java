package io.karst.nbd;

/**
 * An export as it runs: its configuration, whether its bdev is open, what clients see.
 *
 * @param export      the configuration
 * @param state       {@code serving}, or {@code waiting for bdev} while the bdev is absent
 * @param sizeBytes   the size clients see (0 while waiting)
 * @param blockSize   the minimum block size advertised (the bdev's block size)
 * @param flags       the transmission flags advertised, by name
 * @param connections current connections in transmission
 */
public record NbdExportInfo(NbdExport export, String state, long sizeBytes, int blockSize, String flags,
                            int connections) {
}
