package io.karst.nbd.command;

import io.karst.nbd.NbdServer;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "nbd", name = "stop", description = "Stops an NBD export and removes its configuration; its clients are disconnected")
@Service
public class NbdStop implements Action {
    @Reference
    NbdServer server;

    @Argument(index = 0, name = "name", required = true, description = "Export name")
    String name;

    @Override
    public Object execute() {
        server.stopExport(name);
        System.out.println("Stopped export " + name);
        return null;
    }
}
