package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "fuse", name = "mount", description = "Mounts the FUSE file system (at a new path, if given); persisted in etc/io.karst.fuse.cfg")
@Service
public class FuseMount implements Action {
    @Reference
    FuseFrontend fuse;

    @Argument(index = 0, name = "path", description = "Mount point (default: the configured one)")
    String path;

    @Override
    public Object execute() throws Exception {
        fuse.mount(path);
        FuseFrontend.Status s = Await.state(fuse, st -> !st.state().equals("unmounted") && !st.state().equals("disabled")
                && (path == null || st.mountPoint().equals(java.nio.file.Path.of(path).toAbsolutePath().normalize().toString())));
        System.out.println(s.state() + " " + s.mountPoint() + (s.detail().isEmpty() ? "" : " (" + s.detail() + ")"));
        if (!s.state().equals("mounted")) {
            throw new IllegalStateException("not mounted: " + s.detail());
        }
        return null;
    }
}
