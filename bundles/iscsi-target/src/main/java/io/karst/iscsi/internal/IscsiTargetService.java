package io.karst.iscsi.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiOptions;
import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.LunInfo;
import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.TargetNodeConfig;
import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * The iSCSI target service: global options (PID {@value IscsiOptions#PID}), the run-time registry, the Netty
 * server, and the management operations, which write factory configurations through Configuration Admin (so they
 * persist under {@code etc/}) and wait until the configuration components applied them.
 */
@Component(service = IscsiTarget.class, configurationPid = IscsiOptions.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
public final class IscsiTargetService implements IscsiTarget {
    private static final long APPLY_TIMEOUT_MS = 10_000;

    private final TargetRegistry registry;
    private final IscsiServer server;
    private final ConfigurationAdmin configAdmin;

    @Activate
    public IscsiTargetService(@Reference BdevRegistry bdevs, @Reference ConfigurationAdmin configAdmin,
                              Map<String, Object> config) {
        this.configAdmin = configAdmin;
        IscsiOptions options = IscsiOptions.from(config);
        String data = System.getProperty("karaf.data");
        this.registry = new TargetRegistry(bdevs, options,
                data == null ? null : java.nio.file.Path.of(data, "iscsi", "reservations"));
        this.server = new IscsiServer(registry, options.eventLoopThreads());
        registry.start();
    }

    @Modified
    void modified(Map<String, Object> config) {
        registry.options(IscsiOptions.from(config));
    }

    @Deactivate
    void deactivate() {
        registry.stop();
        server.stop();
    }

    TargetRegistry registry() {
        return registry;
    }

    IscsiServer server() {
        return server;
    }

    // ------------------------------------------------------------------------------------------------ views

    @Override
    public IscsiOptions options() {
        return registry.options();
    }

    @Override
    public List<PortalGroupConfig> portalGroups() {
        return registry.portalGroups();
    }

    @Override
    public List<InitiatorGroupConfig> initiatorGroups() {
        return registry.initiatorGroups();
    }

    @Override
    public List<Integer> authGroupTags() {
        return registry.authGroupTags();
    }

    @Override
    public List<TargetNodeConfig> targetNodes() {
        return registry.targetConfigs();
    }

    @Override
    public List<LunInfo> luns(String target) {
        return registry.luns(fullName(target));
    }

    @Override
    public List<ConnectionInfo> connections() {
        return registry.connections();
    }

    @Override
    public String fullName(String name) {
        if (name.startsWith("iqn.") || name.startsWith("eui.") || name.startsWith("naa.")) {
            return name;
        }
        return registry.options().nodeBase() + ":" + name;
    }

    // ------------------------------------------------------------------------------------------------ changes

    @Override
    public void createTargetNode(TargetNodeConfig config) {
        if (registry.target(config.name()) != null) {
            throw new IllegalArgumentException("target " + config.name() + " exists");
        }
        write(TargetNodeConfig.PID, configName(config.name()), config.properties());
        await(() -> registry.target(config.name()) != null, "target " + config.name());
    }

    @Override
    public void deleteTargetNode(String name) {
        String full = fullName(name);
        Configuration c = find(TargetNodeConfig.PID, "name", full);
        if (c == null) {
            throw new IllegalArgumentException("no configured target " + full);
        }
        delete(c);
        await(() -> registry.target(full) == null, "removal of target " + full);
    }

    @Override
    public void addLun(String target, int lun, String bdev) {
        String full = fullName(target);
        TargetNode t = registry.target(full);
        Configuration c = find(TargetNodeConfig.PID, "name", full);
        if (t == null || c == null) {
            throw new IllegalArgumentException("no configured target " + full);
        }
        if (lun < 0 || lun > TargetNodeConfig.MAX_LUN) {
            throw new IllegalArgumentException("LUN must be 0.." + TargetNodeConfig.MAX_LUN);
        }
        if (t.config().luns().containsKey(lun)) {
            throw new IllegalArgumentException("target " + full + " already has LUN " + lun);
        }
        Map<Integer, String> luns = new TreeMap<>(t.config().luns());
        luns.put(lun, bdev);
        write(c, t.config().withLuns(luns).properties());
        await(() -> t.config().luns().containsKey(lun), "LUN " + lun + " of " + full);
    }

    @Override
    public void removeLun(String target, int lun) {
        String full = fullName(target);
        TargetNode t = registry.target(full);
        Configuration c = find(TargetNodeConfig.PID, "name", full);
        if (t == null || c == null) {
            throw new IllegalArgumentException("no configured target " + full);
        }
        if (!t.config().luns().containsKey(lun)) {
            throw new IllegalArgumentException("target " + full + " has no LUN " + lun);
        }
        Map<Integer, String> luns = new TreeMap<>(t.config().luns());
        luns.remove(lun);
        write(c, t.config().withLuns(luns).properties());
        await(() -> t.lun(lun) == null && !t.config().luns().containsKey(lun), "removal of LUN " + lun);
    }

    @Override
    public void createPortalGroup(PortalGroupConfig config) {
        if (registry.portalGroups().stream().anyMatch(p -> p.tag() == config.tag())) {
            throw new IllegalArgumentException("portal group " + config.tag() + " exists");
        }
        write(PortalGroupConfig.PID, "pg" + config.tag(), config.properties());
        await(() -> registry.portalGroups().stream().anyMatch(p -> p.tag() == config.tag()),
                "portal group " + config.tag());
    }

    @Override
    public void deletePortalGroup(int tag) {
        deleteByTag(PortalGroupConfig.PID, tag, () -> registry.portalGroups().stream().noneMatch(p -> p.tag() == tag));
    }

    @Override
    public void createInitiatorGroup(InitiatorGroupConfig config) {
        if (registry.initiatorGroups().stream().anyMatch(p -> p.tag() == config.tag())) {
            throw new IllegalArgumentException("initiator group " + config.tag() + " exists");
        }
        write(InitiatorGroupConfig.PID, "ig" + config.tag(), config.properties());
        await(() -> registry.initiatorGroups().stream().anyMatch(p -> p.tag() == config.tag()),
                "initiator group " + config.tag());
    }

    @Override
    public void deleteInitiatorGroup(int tag) {
        deleteByTag(InitiatorGroupConfig.PID, tag,
                () -> registry.initiatorGroups().stream().noneMatch(p -> p.tag() == tag));
    }

    @Override
    public void createAuthGroup(AuthGroupConfig config) {
        if (registry.authGroupTags().contains(config.tag())) {
            throw new IllegalArgumentException("auth group " + config.tag() + " exists");
        }
        write(AuthGroupConfig.PID, "ag" + config.tag(), config.properties());
        await(() -> registry.authGroupTags().contains(config.tag()), "auth group " + config.tag());
    }

    @Override
    public void deleteAuthGroup(int tag) {
        deleteByTag(AuthGroupConfig.PID, tag, () -> !registry.authGroupTags().contains(tag));
    }

    private void deleteByTag(String pid, int tag, BooleanSupplier gone) {
        Configuration c = find(pid, "tag", Integer.toString(tag));
        if (c == null) {
            throw new IllegalArgumentException("no configured group with tag " + tag);
        }
        delete(c);
        await(gone, "removal of group " + tag);
    }

    private static String configName(String targetName) {
        String n = targetName.substring(targetName.lastIndexOf(':') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        return n.isEmpty() ? "target" : n;
    }

    private void write(String pid, String name, Map<String, String> props) {
        try {
            Configuration c = configAdmin.getFactoryConfiguration(pid, name, "?");
            if (c.getProperties() != null) {
                throw new IllegalArgumentException("a configuration " + pid + "~" + name + " exists");
            }
            write(c, props);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write configuration: " + e.getMessage(), e);
        }
    }

    private static void write(Configuration c, Map<String, String> props) {
        Dictionary<String, Object> d = new Hashtable<>();
        props.forEach(d::put);
        try {
            c.update(d);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write configuration: " + e.getMessage(), e);
        }
    }

    private static void delete(Configuration c) {
        try {
            c.delete();
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete configuration: " + e.getMessage(), e);
        }
    }

    private Configuration find(String factoryPid, String key, String value) {
        try {
            Configuration[] all = configAdmin.listConfigurations("(service.factoryPid=" + factoryPid + ")");
            if (all == null) {
                return null;
            }
            for (Configuration c : all) {
                Map<String, Object> m = new HashMap<>();
                var props = c.getProperties();
                if (props == null) {
                    continue;
                }
                for (var e = props.keys(); e.hasMoreElements();) {
                    String k = e.nextElement();
                    m.put(k, props.get(k));
                }
                Object v = m.get(key);
                if (v == null) {
                    continue;
                }
                String s = String.valueOf(v);
                if (key.equals("name")) {
                    if (fullName(s).equalsIgnoreCase(value)) {
                        return c;
                    }
                } else if (s.equals(value)) {
                    return c;
                }
            }
            return null;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read configurations: " + e.getMessage(), e);
        }
    }

    private static void await(BooleanSupplier done, String what) {
        long end = System.currentTimeMillis() + APPLY_TIMEOUT_MS;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException(what + ": the configuration was written but not applied within "
                        + APPLY_TIMEOUT_MS / 1000 + " s (see the log)");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
    }
}
