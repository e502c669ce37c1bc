package io.karst.nbd.command;

import io.karst.nbd.NbdServer;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "nbd", name = "disconnect", description = "Closes the connections of an export (of all exports without a name)")
@Service
public class NbdDisconnect implements Action {
    @Reference
    NbdServer server;

    @Argument(index = 0, name = "export", description = "Export name")
    String export;

    @Override
    public Object execute() {
        System.out.println("Closed " + server.disconnect(export) + " connection(s)");
        return null;
    }
}
