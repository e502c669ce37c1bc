package io.karst.rpc.server.command;

import io.karst.rpc.RpcException;
import io.karst.rpc.client.RpcCli;
import io.karst.rpc.json.JsonValues;
import io.karst.rpc.server.internal.RpcRegistry;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "rpc", name = "call", description = "Calls a JSON-RPC method in-process and prints its result as JSON",
        detailedDescription = """
                Parameters are one JSON object, @FILE (a JSON object in a file), or name=value members (a value that \
                is valid JSON is taken as JSON, anything else as a string). Examples:
                  rpc:call spdk_get_version
                  rpc:call framework_get_config name=bdev
                  rpc:call bdev_malloc_create '{"name": "Malloc1", "num_blocks": 2048, "block_size": 512}'""")
@Service
public class RpcCallCommand implements Action {
    @Reference
    RpcRegistry registry;

    @Argument(index = 0, name = "method", required = true)
    @Completion(MethodCompleter.class)
    String method;

    @Argument(index = 1, name = "params", multiValued = true)
    List<String> params;

    @Override
    public Object execute() throws Exception {
        Map<String, Object> p = RpcCli.params(params == null ? List.of() : params);
        System.out.println(JsonValues.writePretty(call(registry, method, p)));
        return null;
    }

    /** Runs a method; an error becomes an exception whose message is the JSON-RPC error (the shell prints it). */
    static Object call(RpcRegistry registry, String method, Map<String, Object> params) {
        try {
            return registry.call(method, params);
        } catch (RpcException e) {
            throw new IllegalStateException(describe(e), e);
        }
    }

    static String describe(RpcException e) {
        return "JSON-RPC error " + e.code() + ": " + e.getMessage()
                + (e.data() == null || e.data() instanceof Map<?, ?> && e.getMessage().startsWith("load_config")
                ? "" : " (" + (e.data() instanceof String s ? s : JsonValues.write(e.data())) + ")");
    }
}
