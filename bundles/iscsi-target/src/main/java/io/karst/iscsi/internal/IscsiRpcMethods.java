package io.karst.iscsi.internal;

import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiOptions;
import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.LunInfo;
import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.TargetNodeConfig;
import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The iSCSI target's JSON-RPC methods in SPDK's names and shapes ({@code iscsi_get_target_nodes},
 * {@code iscsi_create_target_node}, {@code iscsi_target_node_add_lun}, portal/initiator/auth groups,
 * {@code iscsi_get_connections}, {@code iscsi_get_options}), Karst's {@code iscsi_target_node_remove_lun} (SPDK
 * cannot remove a LUN), and the {@code iscsi} subsystem of save_config.
 */
@Component(immediate = true, service = RpcConfigSource.class)
public final class IscsiRpcMethods implements RpcConfigSource {
    private final IscsiTarget iscsi;
    private final List<ServiceRegistration<RpcMethod>> registrations = new ArrayList<>();

    /** An RPC method from a name and a function. */
    private record Method(String name, String description, Function<RpcParams, Object> body) implements RpcMethod {
        @Override
        public Object call(RpcParams params) {
            try {
                return body.apply(params);
            } catch (IllegalArgumentException e) {
                throw new RpcException(RpcException.INVALID_PARAMS, e.getMessage());
            } catch (IllegalStateException e) {
                throw new RpcException(RpcException.INTERNAL_ERROR, e.getMessage());
            }
        }
    }

    @Activate
    public IscsiRpcMethods(BundleContext context, @Reference IscsiTarget iscsi) {
        this.iscsi = iscsi;
        for (Method m : methods()) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("karst.rpc.method", m.name());
            registrations.add(context.registerService(RpcMethod.class, m, props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<RpcMethod> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // bundle stopping
            }
        }
    }

    List<Method> methods() {
        return List.of(
                new Method("iscsi_get_target_nodes", "List iSCSI target nodes", p -> {
                    p.allowOnly();
                    return iscsi.targetNodes().stream().map(this::targetJson).toList();
                }),
                new Method("iscsi_create_target_node", "Create an iSCSI target node", p -> {
                    iscsi.createTargetNode(targetFrom(p));
                    return true;
                }),
                new Method("iscsi_delete_target_node", "Delete an iSCSI target node", p -> {
                    p.allowOnly("name");
                    iscsi.deleteTargetNode(p.requiredString("name"));
                    return true;
                }),
                new Method("iscsi_target_node_add_lun", "Add a LUN to a target node", p -> {
                    p.allowOnly("name", "bdev_name", "lun_id");
                    String name = p.requiredString("name");
                    int lun = p.intValue("lun_id", nextLun(name));
                    iscsi.addLun(name, lun, p.requiredString("bdev_name"));
                    return true;
                }),
                new Method("iscsi_target_node_remove_lun", "Remove a LUN from a target node (Karst)", p -> {
                    p.allowOnly("name", "lun_id");
                    iscsi.removeLun(p.requiredString("name"), (int) p.requiredLong("lun_id"));
                    return true;
                }),
                new Method("iscsi_get_portal_groups", "List portal groups", p -> {
                    p.allowOnly();
                    return iscsi.portalGroups().stream().map(IscsiRpcMethods::portalGroupJson).toList();
                }),
                new Method("iscsi_create_portal_group", "Create a portal group", p -> {
                    p.allowOnly("tag", "portals", "private", "wait");
                    List<PortalGroupConfig.Portal> portals = new ArrayList<>();
                    for (Object o : p.list("portals")) {
                        if (!(o instanceof Map<?, ?> m) || m.get("host") == null) {
                            throw new IllegalArgumentException("portals: objects with host and port expected");
                        }
                        Object port = m.get("port");
                        portals.add(new PortalGroupConfig.Portal(String.valueOf(m.get("host")),
                                port == null ? 3260 : Integer.parseInt(String.valueOf(port))));
                    }
                    iscsi.createPortalGroup(new PortalGroupConfig((int) p.requiredLong("tag"), portals));
                    return true;
                }),
                new Method("iscsi_delete_portal_group", "Delete a portal group", p -> {
                    p.allowOnly("tag");
                    iscsi.deletePortalGroup((int) p.requiredLong("tag"));
                    return true;
                }),
                new Method("iscsi_get_initiator_groups", "List initiator groups", p -> {
                    p.allowOnly();
                    return iscsi.initiatorGroups().stream().map(IscsiRpcMethods::initiatorGroupJson).toList();
                }),
                new Method("iscsi_create_initiator_group", "Create an initiator group", p -> {
                    p.allowOnly("tag", "initiators", "netmasks");
                    iscsi.createInitiatorGroup(new InitiatorGroupConfig((int) p.requiredLong("tag"),
                            strings(p.list("initiators")), strings(p.list("netmasks"))));
                    return true;
                }),
                new Method("iscsi_delete_initiator_group", "Delete an initiator group", p -> {
                    p.allowOnly("tag");
                    iscsi.deleteInitiatorGroup((int) p.requiredLong("tag"));
                    return true;
                }),
                new Method("iscsi_create_auth_group", "Create a CHAP auth group", p -> {
                    p.allowOnly("tag", "secrets");
                    List<AuthGroupConfig.Secret> secrets = new ArrayList<>();
                    if (p.has("secrets")) {
                        for (Object o : p.list("secrets")) {
                            if (!(o instanceof Map<?, ?> m)) {
                                throw new IllegalArgumentException("secrets: objects expected");
                            }
                            secrets.add(new AuthGroupConfig.Secret(str(m.get("user")), str(m.get("secret")),
                                    str(m.get("muser")), str(m.get("msecret"))));
                        }
                    }
                    iscsi.createAuthGroup(new AuthGroupConfig((int) p.requiredLong("tag"), secrets));
                    return true;
                }),
                new Method("iscsi_delete_auth_group", "Delete a CHAP auth group", p -> {
                    p.allowOnly("tag");
                    iscsi.deleteAuthGroup((int) p.requiredLong("tag"));
                    return true;
                }),
                new Method("iscsi_get_auth_groups", "List CHAP auth groups (tags; secrets are not shown)", p -> {
                    p.allowOnly();
                    return iscsi.authGroupTags().stream().map(t -> Map.of("tag", (Object) t)).toList();
                }),
                new Method("iscsi_get_connections", "List iSCSI connections", p -> {
                    p.allowOnly();
                    return iscsi.connections().stream().map(IscsiRpcMethods::connectionJson).toList();
                }),
                new Method("iscsi_get_options", "Global iSCSI options", p -> {
                    p.allowOnly();
                    return optionsJson(iscsi.options());
                }));
    }

    private int nextLun(String target) {
        List<LunInfo> luns = iscsi.luns(target);
        int n = 0;
        for (LunInfo l : luns) {
            n = Math.max(n, l.lun() + 1);
        }
        return n;
    }

    private static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    private static List<String> strings(List<?> l) {
        return l.stream().map(String::valueOf).toList();
    }

    private TargetNodeConfig targetFrom(RpcParams p) {
        p.allowOnly("name", "alias_name", "pg_ig_maps", "luns", "queue_depth", "disable_chap", "require_chap",
                "mutual_chap", "chap_group", "header_digest", "data_digest", "thin_provisioning");
        Map<Integer, String> luns = new LinkedHashMap<>();
        for (Object o : p.list("luns")) {
            if (!(o instanceof Map<?, ?> m) || m.get("bdev_name") == null || m.get("lun_id") == null) {
                throw new IllegalArgumentException("luns: objects with bdev_name and lun_id expected");
            }
            luns.put(Integer.parseInt(String.valueOf(m.get("lun_id"))), String.valueOf(m.get("bdev_name")));
        }
        List<TargetNodeConfig.PgIgMap> maps = new ArrayList<>();
        for (Object o : p.list("pg_ig_maps")) {
            if (!(o instanceof Map<?, ?> m) || m.get("pg_tag") == null || m.get("ig_tag") == null) {
                throw new IllegalArgumentException("pg_ig_maps: objects with pg_tag and ig_tag expected");
            }
            maps.add(new TargetNodeConfig.PgIgMap(Integer.parseInt(String.valueOf(m.get("pg_tag"))),
                    Integer.parseInt(String.valueOf(m.get("ig_tag")))));
        }
        if (p.bool("header_digest", false) || p.bool("data_digest", false)) {
            throw new IllegalArgumentException("header_digest/data_digest: digests are negotiated per session "
                    + "(CRC32C offered to every initiator); requiring them per target is not supported");
        }
        return new TargetNodeConfig(iscsi.fullName(p.requiredString("name")), p.string("alias_name", ""), luns, maps,
                p.intValue("queue_depth", 64), p.bool("disable_chap", false), p.bool("require_chap", false),
                p.bool("mutual_chap", false), p.intValue("chap_group", 0), p.bool("thin_provisioning", true));
    }

    private Map<String, Object> targetJson(TargetNodeConfig t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("alias_name", t.alias());
        List<Object> maps = new ArrayList<>();
        for (TargetNodeConfig.PgIgMap pm : t.pgIgMaps()) {
            maps.add(Map.of("pg_tag", pm.pgTag(), "ig_tag", pm.igTag()));
        }
        m.put("pg_ig_maps", maps);
        List<Object> luns = new ArrayList<>();
        t.luns().forEach((lun, bdev) -> luns.add(Map.of("bdev_name", bdev, "lun_id", lun)));
        m.put("luns", luns);
        m.put("queue_depth", t.queueDepth());
        m.put("disable_chap", t.disableChap());
        m.put("require_chap", t.requireChap());
        m.put("mutual_chap", t.mutualChap());
        m.put("chap_group", t.chapGroup());
        m.put("thin_provisioning", t.thinProvisioning());
        m.put("header_digest", false);
        m.put("data_digest", false);
        return m;
    }

    private static Map<String, Object> portalGroupJson(PortalGroupConfig pg) {
        List<Object> portals = new ArrayList<>();
        for (PortalGroupConfig.Portal p : pg.portals()) {
            portals.add(Map.of("host", p.host(), "port", Integer.toString(p.port())));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("portals", portals);
        m.put("tag", pg.tag());
        m.put("private", false);
        return m;
    }

    private static Map<String, Object> initiatorGroupJson(InitiatorGroupConfig ig) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initiators", ig.initiators());
        m.put("tag", ig.tag());
        m.put("netmasks", ig.netmasks());
        return m;
    }

    private static Map<String, Object> connectionJson(ConnectionInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("cid", c.cid());
        m.put("tsih", c.tsih());
        m.put("isid", c.isid());
        m.put("initiator_name", c.initiatorName());
        m.put("initiator_addr", c.initiatorAddress());
        m.put("target_addr", c.portal());
        m.put("target_node_name", c.targetName());
        m.put("portal_group_tag", c.portalGroupTag());
        m.put("session_type", c.discovery() ? "discovery" : "normal");
        m.put("state", c.state());
        m.put("chap_user", c.chapUser());
        m.put("commands", c.commands());
        m.put("outstanding", c.outstanding());
        return m;
    }

    private static Map<String, Object> optionsJson(IscsiOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node_base", o.nodeBase());
        m.put("max_sessions", o.maxSessions());
        m.put("max_connections_per_session", 1);
        m.put("max_queue_depth", o.maxQueueDepth());
        m.put("default_time2wait", o.defaultTime2Wait());
        m.put("default_time2retain", o.defaultTime2Retain());
        m.put("first_burst_length", o.firstBurstLength());
        m.put("immediate_data", o.immediateData());
        m.put("allow_duplicated_isid", false);
        m.put("error_recovery_level", 0);
        m.put("nop_timeout", o.nopTimeout());
        m.put("nop_in_interval", o.nopInInterval());
        m.put("disable_chap", o.discoveryDisableChap());
        m.put("require_chap", o.discoveryRequireChap());
        m.put("mutual_chap", o.discoveryMutualChap());
        m.put("chap_group", o.discoveryChapGroup());
        m.put("max_large_datain_per_connection", 64);
        m.put("max_r2t_per_connection", o.maxR2tPerConnection());
        m.put("max_recv_data_segment_length", o.maxRecvDataSegmentLength());
        m.put("max_burst_length", o.maxBurstLength());
        return m;
    }

    // ------------------------------------------------------------------------------------------------ save_config

    @Override
    public String subsystem() {
        return "iscsi";
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public List<String> dependsOn() {
        return List.of("bdev");
    }

    @Override
    public List<RpcCall> calls() {
        List<RpcCall> calls = new ArrayList<>();
        for (PortalGroupConfig pg : iscsi.portalGroups()) {
            calls.add(new RpcCall("iscsi_create_portal_group", portalGroupJson(pg)));
        }
        for (InitiatorGroupConfig ig : iscsi.initiatorGroups()) {
            calls.add(new RpcCall("iscsi_create_initiator_group", initiatorGroupJson(ig)));
        }
        for (TargetNodeConfig t : iscsi.targetNodes()) {
            Map<String, Object> m = targetJson(t);
            m.remove("header_digest");
            m.remove("data_digest");
            calls.add(new RpcCall("iscsi_create_target_node", m));
        }
        return calls;
    }
}
