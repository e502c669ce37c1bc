package io.karst.iscsi.internal.command;

import io.karst.iscsi.IscsiTarget;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "iscsi", name = "lun-add", description = "Adds a LUN to a target node (live; persisted)")
@Service
public class LunAdd implements Action {
    @Reference
    IscsiTarget iscsi;

    @Argument(index = 0, name = "target", description = "target name (short or full IQN)", required = true)
    String target;

    @Argument(index = 1, name = "lun", description = "LUN number (0..16383)", required = true)
    int lun;

    @Argument(index = 2, name = "bdev", description = "bdev to export", required = true)
    String bdev;

    @Override
    public Object execute() {
        iscsi.addLun(target, lun, bdev);
        System.out.println(iscsi.fullName(target) + ": LUN " + lun + " is " + bdev);
        return null;
    }
}
