package io.karst.rpc.server.command;

import io.karst.rpc.server.internal.RpcRegistry;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes JSON-RPC method names. */
@Service
public class MethodCompleter implements Completer {
    @Reference
    RpcRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        registry.methods().forEach(m -> names.getStrings().add(m.name()));
        return names.complete(session, commandLine, candidates);
    }
}
