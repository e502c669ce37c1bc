package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "fuse", name = "unmount", description = "Unmounts the FUSE file system and keeps it unmounted (persisted)")
@Service
public class FuseUnmount implements Action {
    @Reference
    FuseFrontend fuse;

    @Override
    public Object execute() throws Exception {
        fuse.unmount();
        FuseFrontend.Status s = Await.state(fuse, st -> !st.state().equals("mounted"));
        System.out.println(s.state() + " " + s.mountPoint());
        return null;
    }
}
