package io.karst.nbd;

import java.util.List;
import java.util.Optional;

/**
 * The NBD server and its exports. Exports are factory configurations of {@value #EXPORT_FACTORY_PID} (one file
 * {@code etc/io.karst.nbd.export-<name>.cfg} each); the server's address, port and TLS settings are the
 * configuration {@value #PID}. Shell commands, MBeans and JSON-RPC call these methods.
 */
public interface NbdServer {
    String PID = "io.karst.nbd";
    String EXPORT_FACTORY_PID = "io.karst.nbd.export";

    /** The listening address and port, the transport (epoll or nio) and the TLS mode, in one line. */
    String describe();

    /** The port actually bound (0 when not listening). */
    int port();

    List<NbdExportInfo> exports();

    Optional<NbdExportInfo> export(String name);

    /**
     * Adds an export and stores its configuration; returns once it is registered (its bdev may still be absent).
     *
     * @throws IllegalArgumentException the name is taken, another export is already the default, or bad values
     */
    NbdExportInfo startExport(NbdExport export);

    /** Removes an export and its configuration; its clients are disconnected. */
    void stopExport(String name);

    List<NbdConnectionInfo> connections();

    /** Closes the connections of an export (all with {@code null}); returns how many. */
    int disconnect(String export);
}
