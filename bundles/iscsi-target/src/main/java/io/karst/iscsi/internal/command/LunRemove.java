package io.karst.iscsi.internal.command;

import io.karst.iscsi.IscsiTarget;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "iscsi", name = "lun-remove", description = "Removes a LUN from a target node (live; sessions stay)")
@Service
public class LunRemove implements Action {
    @Reference
    IscsiTarget iscsi;

    @Argument(index = 0, name = "target", description = "target name (short or full IQN)", required = true)
    String target;

    @Argument(index = 1, name = "lun", description = "LUN number", required = true)
    int lun;

    @Override
    public Object execute() {
        iscsi.removeLun(target, lun);
        System.out.println(iscsi.fullName(target) + ": LUN " + lun + " removed");
        return null;
    }
}
