package io.karst.nbd.command;

import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdServer;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "nbd", name = "start", description = "Exports a bdev over NBD (persistent: etc/io.karst.nbd.export-<name>.cfg)")
@Service
public class NbdStart implements Action {
    @Reference
    NbdServer server;

    @Argument(index = 0, name = "bdev", required = true, description = "The bdev to export")
    String bdev;

    @Argument(index = 1, name = "name", description = "Export name (default: the bdev name)")
    String name;

    @Option(name = "-r", aliases = "--read-only", description = "Clients may only read")
    boolean readOnly;

    @Option(name = "-d", aliases = "--default", description = "Also the default export (empty name)")
    boolean isDefault;

    @Option(name = "--description", description = "Description shown to clients")
    String description = "";

    @Option(name = "--multi-conn", description = "Advertise CAN_MULTI_CONN: auto (malloc, null, file), on, off")
    String multiConn = "auto";

    @Override
    public Object execute() {
        NbdExportInfo e = server.startExport(new NbdExport(name == null ? bdev : name, bdev, readOnly, isDefault,
                description, NbdExport.multiConn(multiConn)));
        System.out.println("Exported bdev " + bdev + " as " + e.export().name() + " (" + e.state() + ")");
        return null;
    }
}
