package io.karst.nbd.command;

import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdServer;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "nbd", name = "list", description = "Lists the NBD exports and where the server listens")
@Service
public class NbdList implements Action {
    @Reference
    NbdServer server;

    @Override
    public Object execute() {
        System.out.println("NBD server " + server.describe());
        ShellTable table = new ShellTable();
        table.column("Export");
        table.column("Bdev");
        table.column("State");
        table.column("Size").alignRight();
        table.column("Access");
        table.column("Default");
        table.column("Connections").alignRight();
        table.column("Flags");
        for (NbdExportInfo e : server.exports()) {
            table.addRow().addContent(e.export().name(), e.export().bdev(), e.state(), e.sizeBytes(),
                    e.export().readOnly() ? "ro" : "rw", e.export().isDefault() ? "yes" : "", e.connections(),
                    e.flags());
        }
        table.print(System.out);
        return null;
    }
}
