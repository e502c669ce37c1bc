package io.karst.tcmur.command;

import io.karst.tcmur.internal.HandlerRegistry;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code tcmur:handlers}: the loaded handlers, where they come from, and their devices. */
@Command(scope = "tcmur", name = "handlers", description = "Lists the tcmu-runner handlers Karst can use")
@Service
public class TcmurHandlers implements Action {
    @Reference
    HandlerRegistry registry;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Subtype");
        t.column("Origin");
        t.column("nr_threads");
        t.column("Operations");
        t.column("Devices");
        t.column("Config string");
        for (HandlerRegistry.HandlerInfo h : registry.handlers()) {
            t.addRow().addContent(h.subtype() + (h.active() ? "" : " (standby)"),
                    (h.nativeHandler() ? "native " : "") + h.origin(), h.nrThreads(), h.operations(),
                    h.devices().isEmpty() ? "-" : String.join(",", h.devices()), firstLine(h.cfgDesc()));
        }
        t.print(System.out);
        Map<String, String> problems = registry.problems();
        problems.forEach((file, why) -> System.out.println("not loaded: " + file + ": " + why));
        System.out.println("handler directories: " + registry.directories());
        return null;
    }

    /** The first line of a handler's (often long) config string description; the MBean and RPC have all of it. */
    static String firstLine(String s) {
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 72 ? line.substring(0, 69) + "..." : line;
    }
}
