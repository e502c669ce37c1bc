package io.karst.rpc.server.command;

import io.karst.rpc.server.internal.RpcServer;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "rpc", name = "info", description = "Shows where the JSON-RPC server listens, its limits and counters")
@Service
public class RpcInfoCommand implements Action {
    @Reference
    RpcServer server;

    @Override
    public Object execute() {
        for (Map.Entry<String, Object> e : server.info().entrySet()) {
            System.out.println(String.format("%-31s %s", e.getKey(), e.getValue()));
        }
        return null;
    }
}
