package io.karst.rpc.server.command;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonValues;
import io.karst.rpc.server.internal.RpcRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "rpc", name = "load-config", description = "Applies a configuration file in SPDK's JSON format"
        + " (load_config); calls already in effect are skipped")
@Service
public class RpcLoadConfigCommand implements Action {
    @Reference
    RpcRegistry registry;

    @Argument(index = 0, name = "file", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Option(name = "-w", aliases = "--wait", description = "seconds to wait for methods that are not registered yet")
    double waitSeconds;

    @Override
    public Object execute() throws Exception {
        Object document = JsonValues.parse(Files.readAllBytes(Path.of(file)));
        Map<String, Object> report;
        try {
            report = registry.loadConfig(document, Duration.ofMillis((long) (waitSeconds * 1000)));
        } catch (RpcException e) {
            if (e.data() instanceof Map<?, ?> r) {
                print(r);
            }
            throw new IllegalStateException(RpcCallCommand.describe(e), e);
        }
        print(report);
        return null;
    }

    private static void print(Map<?, ?> report) {
        for (Object o : (List<?>) report.get("calls")) {
            Map<?, ?> c = (Map<?, ?>) o;
            String name = c.get("name") == null ? "" : " " + c.get("name");
            String error = c.get("error") instanceof Map<?, ?> e ? ": " + e.get("message") + " (" + e.get("code") + ")" : "";
            System.out.println(String.format("%-8s %s %s%s%s", c.get("status"), c.get("subsystem"), c.get("method"), name,
                    error));
        }
        System.out.println(report.get("applied") + " applied, " + report.get("skipped") + " skipped, "
                + report.get("failed") + " failed");
    }
}
