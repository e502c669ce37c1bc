package io.karst.iscsi.internal.command;

import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.IscsiTarget;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "iscsi", name = "auth-group-create", description = "Creates a CHAP auth group (persisted)")
@Service
public class AuthGroupCreate implements Action {
    @Reference
    IscsiTarget iscsi;

    @Argument(index = 0, name = "tag", description = "auth group tag", required = true)
    int tag;

    @Argument(index = 1, name = "secrets", description = "user:secret or user:secret:muser:msecret",
            multiValued = true)
    List<String> secrets;

    @Override
    public Object execute() {
        iscsi.createAuthGroup(AuthGroupConfig.from(Map.of("tag", Integer.toString(tag), "secrets",
                secrets == null ? "" : String.join(" ", secrets))));
        System.out.println("created auth group " + tag);
        return null;
    }
}
