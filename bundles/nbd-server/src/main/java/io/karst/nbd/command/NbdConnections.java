package io.karst.nbd.command;

import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.NbdServer;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "nbd", name = "connections", description = "Lists the NBD client connections")
@Service
public class NbdConnections implements Action {
    @Reference
    NbdServer server;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Id").alignRight();
        table.column("Client");
        table.column("Export");
        table.column("Phase");
        table.column("TLS");
        table.column("Requests").alignRight();
        table.column("Read").alignRight();
        table.column("Written").alignRight();
        table.column("Errors").alignRight();
        table.column("In flight").alignRight();
        table.column("Since");
        for (NbdConnectionInfo c : server.connections()) {
            table.addRow().addContent(c.id(), c.remote(), c.export().isEmpty() ? "-" : c.export(), c.phase(),
                    c.tls() ? "yes" : "no", c.requests(), c.readBytes(), c.writtenBytes(), c.errors(),
                    c.outstanding(), c.since());
        }
        table.print(System.out);
        return null;
    }
}
