package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "fuse", name = "status", description = "Shows the FUSE mount: where, state, exports, counters")
@Service
public class FuseStatus implements Action {
    @Reference
    FuseFrontend fuse;

    @Override
    public Object execute() {
        FuseFrontend.Status s = fuse.status();
        System.out.println("Mount point : " + s.mountPoint());
        System.out.println("State       : " + s.state() + (s.detail().isEmpty() ? "" : " (" + s.detail() + ")"));
        System.out.println("Exports     : " + String.join(",", s.exports()));
        System.out.println("Threads     : " + s.threads());
        System.out.println("Max backgr. : " + s.maxBackground());
        System.out.println("Max write   : " + s.maxWrite());
        System.out.println("Requests    : " + s.requests());
        System.out.println("Open files  : " + s.openFiles());
        System.out.println("Buffers used: " + s.buffersInUse());
        return null;
    }
}
