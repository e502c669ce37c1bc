package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevRegistry;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/**
 * Completes the parameters of {@code bdev:create} for the type already typed: {@code key=} names, and bdev names
 * where the type takes a base bdev.
 */
@Service
public class BdevParameterCompleter implements Completer {
    @Reference
    BdevAdmin admin;

    @Reference
    BdevRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String[] args = commandLine.getArguments();
        String type = null;
        for (int i = 1; i < args.length; i++) { // args[0] is the command itself
            if (!args[i].startsWith("-")) {
                type = args[i];
                break;
            }
        }
        StringsCompleter strings = new StringsCompleter();
        for (BdevAdmin.TypeInfo t : admin.types()) {
            if (!t.name().equals(type)) {
                continue;
            }
            for (BdevAdmin.Parameter p : t.parameters()) {
                strings.getStrings().add(p.name() + "=");
                if (p.kind() == BdevAdmin.Parameter.Kind.BDEV) {
                    for (Bdev b : registry.bdevs()) {
                        strings.getStrings().add(b.name());
                    }
                }
            }
        }
        return strings.complete(session, commandLine, candidates);
    }
}
