package io.karst.iscsi.internal.command;

import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.LunInfo;
import io.karst.iscsi.TargetNodeConfig;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "iscsi", name = "targets", description = "Lists the iSCSI target nodes with their LUNs")
@Service
public class Targets implements Action {
    @Reference
    IscsiTarget iscsi;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Target");
        table.column("Alias");
        table.column("LUN");
        table.column("Bdev");
        table.column("State");
        table.column("PG:IG");
        table.column("CHAP");
        for (TargetNodeConfig t : iscsi.targetNodes()) {
            String chap = t.disableChap() ? "disabled" : t.mutualChap() ? "mutual, group " + t.chapGroup()
                    : t.requireChap() ? "required, group " + t.chapGroup() : "optional";
            String maps = String.join(" ", t.pgIgMaps().stream().map(Object::toString).toList());
            boolean first = true;
            for (LunInfo l : iscsi.luns(t.name())) {
                table.addRow().addContent(first ? t.name() : "", first ? t.alias() : "", l.lun(), l.bdev(),
                        l.attached() ? "attached" : "waiting for bdev", first ? maps : "", first ? chap : "");
                first = false;
            }
            if (first) {
                table.addRow().addContent(t.name(), t.alias(), "", "", "", maps, chap);
            }
        }
        table.print(System.out);
        return null;
    }
}
