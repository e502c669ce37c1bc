package io.karst.rpc.server.command;

import io.karst.rpc.json.JsonValues;
import io.karst.rpc.server.internal.RpcRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "rpc", name = "save-config",
        description = "Prints the configuration in SPDK's JSON format (save_config), or writes it to a file")
@Service
public class RpcSaveConfigCommand implements Action {
    @Reference
    RpcRegistry registry;

    @Argument(index = 0, name = "file", description = "write to this file instead of printing")
    @Completion(FileCompleter.class)
    String file;

    @Override
    public Object execute() throws Exception {
        String json = JsonValues.writePretty(registry.saveConfig()) + "\n";
        if (file == null) {
            System.out.print(json);
        } else {
            Path path = Path.of(file).toAbsolutePath();
            Files.writeString(path, json, StandardCharsets.UTF_8);
            System.out.println("Saved the configuration to " + path);
        }
        return null;
    }
}
