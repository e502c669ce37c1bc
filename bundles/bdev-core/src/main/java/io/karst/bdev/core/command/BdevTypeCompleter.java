package io.karst.bdev.core.command;

import io.karst.bdev.BdevAdmin;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes creatable bdev types. */
@Service
public class BdevTypeCompleter implements Completer {
    @Reference
    BdevAdmin admin;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter types = new StringsCompleter();
        for (BdevAdmin.TypeInfo t : admin.types()) {
            types.getStrings().add(t.name());
        }
        return types.complete(session, commandLine, candidates);
    }
}
