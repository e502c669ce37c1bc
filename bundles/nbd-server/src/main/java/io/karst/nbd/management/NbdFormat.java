package io.karst.nbd.management;

import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.NbdExportInfo;

/** One-line renderings shared by the MBeans and the commands. */
public final class NbdFormat {
    private NbdFormat() {
    }

    public static String export(NbdExportInfo e) {
        return e.export().name() + (e.export().isDefault() ? " (default)" : "") + ": bdev " + e.export().bdev()
                + ", " + e.state() + ", " + e.sizeBytes() + " bytes" + (e.export().readOnly() ? ", read-only" : "")
                + ", flags " + e.flags() + ", " + e.connections() + " connection(s)";
    }

    public static String connection(NbdConnectionInfo c) {
        return "#" + c.id() + " " + c.remote() + " export=" + (c.export().isEmpty() ? "-" : c.export()) + " "
                + c.phase() + (c.tls() ? " tls" : "") + (c.structured() ? " structured" : "") + " requests="
                + c.requests() + " read=" + c.readBytes() + " written=" + c.writtenBytes() + " errors=" + c.errors()
                + " outstanding=" + c.outstanding();
    }
}
