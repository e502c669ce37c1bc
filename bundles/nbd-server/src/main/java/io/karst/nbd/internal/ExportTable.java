package io.karst.nbd.internal;

import io.karst.nbd.NbdExport;

/** Where configured exports register with the running server (a service inside this bundle). */
public interface ExportTable {
    /** Adds an export; refused (IllegalArgumentException) if the name is taken or a second default is asked for. */
    void add(String configPid, NbdExport export);

    void remove(String configPid);
}
