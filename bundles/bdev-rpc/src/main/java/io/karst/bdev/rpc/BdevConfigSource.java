package io.karst.bdev.rpc;

import io.karst.bdev.BdevAdmin;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code bdev} subsystem of save_config: every configured bdev as the SPDK create call that recreates it, bases
 * before the bdevs stacked on them, then {@code bdev_wait_for_examine} as SPDK ends it.
 */
@Component(service = RpcConfigSource.class)
public final class BdevConfigSource implements RpcConfigSource {
    private final BdevAdmin admin;
    private final Map<String, BdevType> types = new ConcurrentHashMap<>();

    @org.osgi.service.component.annotations.Activate
    public BdevConfigSource(@Reference BdevAdmin admin) {
        this.admin = admin;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addType(BdevType type) {
        types.put(type.name(), type);
    }

    void removeType(BdevType type) {
        types.remove(type.name(), type);
    }

    @Override
    public String subsystem() {
        return "bdev";
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public List<RpcCall> calls() {
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        for (String name : admin.configuredNames()) {
            configs.put(name, admin.configuration(name));
        }
        List<RpcCall> out = new ArrayList<>();
        for (String name : baseFirst(configs)) {
            Map<String, String> c = configs.get(name);
            BdevType t = types.get(c.get("type"));
            SpdkRpcMapping m = t == null ? null : t.spdkRpc();
            if (m != null) {
                out.add(new RpcCall(m.createMethod(), m.toSpdkParameters(name, c)));
            }
        }
        out.add(new RpcCall("bdev_wait_for_examine", Map.of()));
        return out;
    }

    /** Names in an order where every base bdev comes before the bdevs that claim it. */
    private List<String> baseFirst(Map<String, Map<String, String>> configs) {
        Map<String, List<String>> bases = new HashMap<>();
        for (Map.Entry<String, Map<String, String>> e : configs.entrySet()) {
            List<String> b = new ArrayList<>();
            BdevType t = types.get(e.getValue().get("type"));
            if (t != null) {
                for (BdevAdmin.Parameter p : t.parameters()) {
                    if (p.kind() == BdevAdmin.Parameter.Kind.BDEV && e.getValue().get(p.name()) != null) {
                        b.add(e.getValue().get(p.name()));
                    }
                }
            }
            bases.put(e.getKey(), b);
        }
        Set<String> done = new LinkedHashSet<>();
        for (String n : configs.keySet()) {
            visit(n, bases, done, new LinkedHashSet<>());
        }
        return new ArrayList<>(done);
    }

    private static void visit(String n, Map<String, List<String>> bases, Set<String> done, Set<String> path) {
        if (done.contains(n) || !bases.containsKey(n) || !path.add(n)) {
            return;
        }
        for (String b : bases.get(n)) {
            visit(b, bases, done, path);
        }
        done.add(n);
    }
}
