package io.karst.nbd.rpc;

import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdServer;
import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code nbd} subsystem of save_config: one {@code nbd_start_disk} per export, after the bdevs. */
@Component(service = RpcConfigSource.class)
public final class NbdConfigSource implements RpcConfigSource {
    private final NbdServer server;

    @Activate
    public NbdConfigSource(@Reference NbdServer server) {
        this.server = server;
    }

    @Override
    public String subsystem() {
        return "nbd";
    }

    @Override
    public int order() {
        return 300;
    }

    @Override
    public List<String> dependsOn() {
        return List.of("bdev");
    }

    @Override
    public List<RpcCall> calls() {
        List<RpcCall> out = new ArrayList<>();
        for (NbdExportInfo info : server.exports()) {
            NbdExport e = info.export();
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("bdev_name", e.bdev());
            p.put("nbd_device", e.name());
            if (e.readOnly()) {
                p.put("read_only", true);
            }
            if (e.isDefault()) {
                p.put("default", true);
            }
            if (!e.description().isEmpty()) {
                p.put("description", e.description());
            }
            if (e.multiConn() != NbdExport.MultiConn.AUTO) {
                p.put("multi_conn", e.multiConn().name().toLowerCase(java.util.Locale.ROOT));
            }
            out.add(new RpcCall("nbd_start_disk", p));
        }
        return out;
    }
}
