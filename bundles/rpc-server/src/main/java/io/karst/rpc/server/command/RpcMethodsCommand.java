package io.karst.rpc.server.command;

import io.karst.rpc.server.internal.RpcRegistry;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "rpc", name = "methods", description = "Lists the JSON-RPC methods, the bundle that offers each, and what it does")
@Service
public class RpcMethodsCommand implements Action {
    @Reference
    RpcRegistry registry;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Method");
        table.column("Bundle");
        table.column("Description");
        registry.methods().forEach(m -> table.addRow().addContent(m.name(), m.owner(), m.description()));
        table.print(System.out);
        return null;
    }
}
