package io.karst.iscsi.internal;

import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.IscsiMBean;
import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.LunInfo;
import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.TargetNodeConfig;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** Publishes {@code io.karst:type=iscsi} through the whiteboard (service with {@code jmx.objectname}). */
@Component(immediate = true, service = {})
public final class IscsiJmx implements IscsiMBean {
    public static final String OBJECT_NAME = "io.karst:type=iscsi";
    private final IscsiTarget iscsi;
    private final ServiceRegistration<DynamicMBean> registration;

    @Activate
    public IscsiJmx(BundleContext context, @Reference IscsiTarget iscsi) throws NotCompliantMBeanException {
        this.iscsi = iscsi;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("jmx.objectname", OBJECT_NAME);
        registration = context.registerService(DynamicMBean.class, new StandardMBean(this, IscsiMBean.class), props);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException gone) {
            // bundle stopping
        }
    }

    @Override
    public String[] getTargets() {
        return iscsi.targetNodes().stream().map(t -> {
            StringBuilder sb = new StringBuilder(t.name()).append(" luns:");
            for (LunInfo l : iscsi.luns(t.name())) {
                sb.append(' ').append(l.lun()).append('=').append(l.bdev()).append(l.attached() ? "" : "[waiting]");
            }
            sb.append(" pg_ig_maps:");
            t.pgIgMaps().forEach(m -> sb.append(' ').append(m));
            sb.append(t.requireChap() ? (t.mutualChap() ? " chap:mutual" : " chap:required") : "");
            return sb.toString();
        }).toArray(String[]::new);
    }

    @Override
    public String[] getConnections() {
        return iscsi.connections().stream().map(IscsiJmx::line).toArray(String[]::new);
    }

    private static String line(ConnectionInfo c) {
        return c.id() + " " + c.initiatorName() + " " + c.initiatorAddress() + " "
                + (c.discovery() ? "(discovery)" : c.targetName()) + " tsih=" + c.tsih() + " " + c.state()
                + " commands=" + c.commands();
    }

    @Override
    public String[] getPortalGroups() {
        return iscsi.portalGroups().stream().map(p -> p.tag() + "=" + String.join(" ",
                p.portals().stream().map(PortalGroupConfig.Portal::toString).toList())).toArray(String[]::new);
    }

    @Override
    public int getConnectionCount() {
        return iscsi.connections().size();
    }

    @Override
    public void addLun(String target, int lun, String bdev) {
        plain(() -> iscsi.addLun(target, lun, bdev));
    }

    @Override
    public void removeLun(String target, int lun) {
        plain(() -> iscsi.removeLun(target, lun));
    }

    @Override
    public void createTarget(String name, String luns, String pgIgMaps) {
        plain(() -> iscsi.createTargetNode(TargetNodeConfig.from(Map.of("name", iscsi.fullName(name), "luns",
                luns == null ? "" : luns, "pg_ig_maps", pgIgMaps == null || pgIgMaps.isBlank() ? "1:1" : pgIgMaps),
                iscsi.options().nodeBase())));
    }

    @Override
    public void deleteTarget(String name) {
        plain(() -> iscsi.deleteTargetNode(name));
    }

    /** JMX clients get a plain exception with the operator's message (no classes of this bundle). */
    private static void plain(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    static List<String> names(List<TargetNodeConfig> l) {
        return l.stream().map(TargetNodeConfig::name).toList();
    }
}
