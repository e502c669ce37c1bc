package io.karst.iscsi.internal.command;

import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.PortalGroupConfig;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "iscsi", name = "groups", description = "Lists portal groups, initiator groups and auth group tags")
@Service
public class Groups implements Action {
    @Reference
    IscsiTarget iscsi;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Tag");
        table.column("Members");
        for (PortalGroupConfig p : iscsi.portalGroups()) {
            table.addRow().addContent("portal group", p.tag(),
                    String.join(" ", p.portals().stream().map(Object::toString).toList()));
        }
        for (InitiatorGroupConfig i : iscsi.initiatorGroups()) {
            table.addRow().addContent("initiator group", i.tag(), "initiators " + String.join(" ", i.initiators())
                    + "; netmasks " + String.join(" ", i.netmasks()));
        }
        for (int t : iscsi.authGroupTags()) {
            table.addRow().addContent("auth group", t, "(secrets not shown)");
        }
        table.print(System.out);
        return null;
    }
}
