package io.karst.nbd.management;

import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdExportMBean;
import io.karst.nbd.NbdMBean;
import io.karst.nbd.NbdServer;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code io.karst:type=nbd} and one {@code io.karst:type=nbdExport,name=...} per export, registered as services
 * that Karaf's JMX whiteboard exports. Export MBeans follow the exports (checked once a second).
 */
@Component(immediate = true, service = {})
public final class NbdJmx {
    private final BundleContext context;
    private final NbdServer server;
    private final ServiceRegistration<DynamicMBean> layer;
    private final Map<String, ServiceRegistration<DynamicMBean>> perExport = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sync = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "karst-nbd-jmx");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public NbdJmx(BundleContext context, @Reference NbdServer server) {
        this.context = context;
        this.server = server;
        layer = register("io.karst:type=nbd", new Layer(), NbdMBean.class);
        sync.scheduleWithFixedDelay(this::syncExports, 0, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        sync.shutdownNow();
        try {
            sync.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        perExport.values().forEach(NbdJmx::unregister);
        perExport.clear();
        unregister(layer);
    }

    private void syncExports() {
        try {
            var names = new java.util.HashSet<String>();
            for (NbdExportInfo e : server.exports()) {
                String n = e.export().name();
                names.add(n);
                perExport.computeIfAbsent(n, k -> register(objectName(k), new PerExport(k), NbdExportMBean.class));
            }
            perExport.entrySet().removeIf(en -> {
                if (!names.contains(en.getKey())) {
                    unregister(en.getValue());
                    return true;
                }
                return false;
            });
        } catch (RuntimeException e) {
            // the server is going away; the next round sees it
        }
    }

    static String objectName(String export) {
        boolean plain = !export.isEmpty() && export.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
        return "io.karst:type=nbdExport,name=" + (plain ? export : ObjectName.quote(export));
    }

    private <T> ServiceRegistration<DynamicMBean> register(String objectName, T impl, Class<T> iface) {
        try {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("jmx.objectname", objectName);
            return context.registerService(DynamicMBean.class, new StandardMBean(impl, iface), props);
        } catch (NotCompliantMBeanException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void unregister(ServiceRegistration<?> reg) {
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        }
    }

    /** JMX clients cannot load our classes: plain exceptions with the message. */
    static <T> T guarded(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private final class Layer implements NbdMBean {
        @Override
        public String getListener() {
            return server.describe();
        }

        @Override
        public int getPort() {
            return server.port();
        }

        @Override
        public String[] getExports() {
            return server.exports().stream().map(NbdFormat::export).toArray(String[]::new);
        }

        @Override
        public String[] getConnections() {
            return server.connections().stream().map(NbdFormat::connection).toArray(String[]::new);
        }

        @Override
        public int getConnectionCount() {
            return server.connections().size();
        }

        @Override
        public String startExport(String bdev, String name, boolean readOnly, boolean isDefault, String description,
                                  String multiConn) {
            return guarded(() -> server.startExport(new NbdExport(name == null || name.isEmpty() ? bdev : name, bdev,
                    readOnly, isDefault, description, NbdExport.multiConn(multiConn))).export().name());
        }

        @Override
        public void stopExport(String name) {
            guarded(() -> {
                server.stopExport(name);
                return null;
            });
        }

        @Override
        public int disconnect(String export) {
            return server.disconnect(export == null || export.isEmpty() ? null : export);
        }
    }

    private final class PerExport implements NbdExportMBean {
        private final String name;

        PerExport(String name) {
            this.name = name;
        }

        private NbdExportInfo info() {
            return server.export(name).orElseThrow(() -> new IllegalStateException("export " + name + " is gone"));
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getBdev() {
            return info().export().bdev();
        }

        @Override
        public String getState() {
            return info().state();
        }

        @Override
        public long getSize() {
            return info().sizeBytes();
        }

        @Override
        public int getBlockSize() {
            return info().blockSize();
        }

        @Override
        public boolean isReadOnly() {
            return info().export().readOnly();
        }

        @Override
        public boolean isDefault() {
            return info().export().isDefault();
        }

        @Override
        public String getDescription() {
            return info().export().description();
        }

        @Override
        public String getFlags() {
            return info().flags();
        }

        @Override
        public int getConnections() {
            return info().connections();
        }

        @Override
        public int disconnect() {
            return server.disconnect(name);
        }
    }
}
