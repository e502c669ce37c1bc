package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "fuse", name = "files", description = "Lists the dev/ files: opens, I/O in flight (now and the most seen), counters")
@Service
public class FuseFiles implements Action {
    @Reference
    FuseFrontend fuse;

    @Option(name = "--reset-max", description = "Start the in-flight high-water marks afresh (after listing)")
    boolean resetMax;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("File");
        table.column("Mode");
        table.column("Size").alignRight();
        table.column("Opens r/w").alignRight();
        table.column("In flight").alignRight();
        table.column("Max in flight").alignRight();
        table.column("Reads").alignRight();
        table.column("Writes").alignRight();
        table.column("Flushes").alignRight();
        table.column("Errors").alignRight();
        table.column("Refused opens").alignRight();
        for (FuseFrontend.FileInfo f : fuse.files()) {
            table.addRow().addContent(f.path(), f.readOnly() ? "ro" : "rw", f.sizeBytes(),
                    f.readOpens() + "/" + f.writeOpens(), f.inFlight(), f.maxInFlight(), f.reads(), f.writes(),
                    f.flushes(), f.errors(), f.refusedOpens());
        }
        table.print(System.out);
        if (resetMax) {
            fuse.resetMaxInFlight();
        }
        return null;
    }
}
