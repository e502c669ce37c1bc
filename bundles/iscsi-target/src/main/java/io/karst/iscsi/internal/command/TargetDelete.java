package io.karst.iscsi.internal.command;

import io.karst.iscsi.IscsiTarget;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "iscsi", name = "target-delete", description = "Deletes a target node; its sessions are closed")
@Service
public class TargetDelete implements Action {
    @Reference
    IscsiTarget iscsi;

    @Argument(index = 0, name = "name", description = "target name (short or full IQN)", required = true)
    String name;

    @Override
    public Object execute() {
        iscsi.deleteTargetNode(name);
        System.out.println("deleted " + iscsi.fullName(name));
        return null;
    }
}
