package io.karst.bdev.core.command;

import io.karst.bdev.BdevAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bdev", name = "delete", description = "Deletes a configured block device (holders get a hot-remove)")
@Service
public class BdevDelete implements Action {
    @Reference
    BdevAdmin admin;

    @Argument(index = 0, name = "name", required = true)
    @Completion(BdevNameCompleter.class)
    String name;

    @Override
    public Object execute() {
        admin.delete(name);
        System.out.println("Deleted " + name);
        return null;
    }
}
