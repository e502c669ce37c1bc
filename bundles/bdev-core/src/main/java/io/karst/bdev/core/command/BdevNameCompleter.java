package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes bdev names. */
@Service
public class BdevNameCompleter implements Completer {
    @Reference
    BdevRegistry registry;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        for (Bdev b : registry.bdevs()) {
            names.getStrings().add(b.name());
        }
        return names.complete(session, commandLine, candidates);
    }
}
