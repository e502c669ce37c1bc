package io.karst.iscsi.internal.command;

import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.IscsiTarget;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "iscsi", name = "connections", description = "Lists iSCSI sessions and their connections")
@Service
public class Connections implements Action {
    @Reference
    IscsiTarget iscsi;

    @Option(name = "-v", aliases = "--verbose", description = "also the negotiated parameters")
    boolean verbose;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Id");
        table.column("Initiator");
        table.column("Address");
        table.column("Target");
        table.column("Portal");
        table.column("ISID");
        table.column("TSIH");
        table.column("State");
        table.column("CHAP user");
        table.column("Commands");
        table.column("Outstanding");
        for (ConnectionInfo c : iscsi.connections()) {
            table.addRow().addContent(c.id(), c.initiatorName(), c.initiatorAddress(),
                    c.discovery() ? "(discovery)" : c.targetName(), c.portal() + "," + c.portalGroupTag(), c.isid(),
                    c.tsih(), c.state(), c.chapUser(), c.commands(), c.outstanding());
        }
        table.print(System.out);
        if (verbose) {
            for (ConnectionInfo c : iscsi.connections()) {
                System.out.println(c.id() + ": " + c.parameters());
            }
        }
        return null;
    }
}
