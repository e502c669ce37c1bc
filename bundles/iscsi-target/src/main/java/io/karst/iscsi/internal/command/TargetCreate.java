package io.karst.iscsi.internal.command;

import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.TargetNodeConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "iscsi", name = "target-create", description = "Creates a target node (persisted)")
@Service
public class TargetCreate implements Action {
    @Reference
    IscsiTarget iscsi;

    @Argument(index = 0, name = "name", description = "target name (short names get the node base)", required = true)
    String name;

    @Argument(index = 1, name = "luns", description = "LUN:bdev pairs", multiValued = true)
    List<String> luns;

    @Option(name = "-m", aliases = "--pg-ig", description = "portal group:initiator group pairs (default 1:1)",
            multiValued = true)
    List<String> maps;

    @Option(name = "-a", aliases = "--alias", description = "target alias")
    String alias = "";

    @Option(name = "-q", aliases = "--queue-depth", description = "queue depth per session (default 64)")
    int queueDepth = 64;

    @Option(name = "--require-chap", description = "require CHAP")
    boolean requireChap;

    @Option(name = "--mutual-chap", description = "require mutual CHAP")
    boolean mutualChap;

    @Option(name = "--disable-chap", description = "refuse CHAP")
    boolean disableChap;

    @Option(name = "-g", aliases = "--chap-group", description = "auth group with the CHAP secrets")
    int chapGroup;

    @Option(name = "--thick", description = "present the LUNs fully provisioned (no UNMAP) even if the bdev unmaps")
    boolean thick;

    @Override
    public Object execute() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", iscsi.fullName(name));
        p.put("alias", alias);
        p.put("luns", luns == null ? "" : String.join(" ", luns));
        p.put("pg_ig_maps", maps == null ? "1:1" : String.join(" ", maps));
        p.put("queue_depth", Integer.toString(queueDepth));
        p.put("require_chap", Boolean.toString(requireChap || mutualChap));
        p.put("mutual_chap", Boolean.toString(mutualChap));
        p.put("disable_chap", Boolean.toString(disableChap));
        p.put("chap_group", Integer.toString(chapGroup));
        p.put("thin_provisioning", Boolean.toString(!thick));
        TargetNodeConfig c = TargetNodeConfig.from(p, iscsi.options().nodeBase());
        iscsi.createTargetNode(c);
        System.out.println("created " + c.name());
        return null;
    }
}
