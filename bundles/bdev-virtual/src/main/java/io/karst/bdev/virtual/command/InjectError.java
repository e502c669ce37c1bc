package io.karst.bdev.virtual.command;

import java.util.List;
import io.karst.bdev.virtual.internal.ErrorInjector;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "bdev", name = "inject-error", description = "Makes an error bdev fail the next requests of an I/O"
        + " type (count 0 clears)")
@Service
public class InjectError implements Action {
    @Reference
    ErrorInjector injector;

    @Argument(index = 0, name = "name", description = "error bdev", required = true)
    String name;

    @Argument(index = 1, name = "io_type", description = "read, write, flush, unmap, write_zeroes, reset, all",
            required = true)
    @Completion(values = {"read", "write", "flush", "unmap", "write_zeroes", "reset", "compare", "all"},
            value = StringsCompleter.class)
    String ioType;

    @Argument(index = 2, name = "error_type", description = "failure, nomem, nospace, medium, corrupt, pending",
            required = true)
    @Completion(values = {"failure", "nomem", "nospace", "medium", "corrupt", "pending"},
            value = StringsCompleter.class)
    String errorType;

    @Option(name = "-n", aliases = "--count", description = "how many requests (default 1; 0 clears)")
    int count = 1;

    @Override
    public Object execute() {
        injector.inject(name, ioType, errorType, count);
        List<String> active = List.of(injector.injections(name));
        System.out.println(name + ": " + (active.isEmpty() ? "no injections" : String.join(", ", active)));
        return null;
    }
}
