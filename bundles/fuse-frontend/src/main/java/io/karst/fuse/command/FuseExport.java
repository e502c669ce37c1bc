package io.karst.fuse.command;

import io.karst.fuse.FuseFrontend;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "fuse", name = "exports", description = "Shows or sets which bdevs are files: * for all, or names (persisted)")
@Service
public class FuseExport implements Action {
    @Reference
    FuseFrontend fuse;

    @Argument(index = 0, name = "names", multiValued = true, description = "* or bdev names; none: show")
    List<String> names;

    @Override
    public Object execute() throws Exception {
        if (names != null && !names.isEmpty()) {
            fuse.setExports(names);
            List<String> want = names.contains("*") ? List.of("*") : names;
            Await.state(fuse, st -> st.exports().equals(want));
        }
        System.out.println(String.join(",", fuse.status().exports()));
        return null;
    }
}
