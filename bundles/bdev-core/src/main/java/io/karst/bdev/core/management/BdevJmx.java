package io.karst.bdev.core.management;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import io.karst.bdev.core.internal.BdevPerf;
import io.karst.bdev.spi.Sizes;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * Publishes an MBean per bdev and one for the layer, as services with {@code jmx.objectname} that the JMX
 * whiteboard exports. Operations call the same {@link BdevAdmin} methods as the shell.
 */
@Component(immediate = true, service = {})
public final class BdevJmx implements BdevRegistry.Listener {
    public static final String DOMAIN = "io.karst";

    private final BundleContext context;
    private final BdevRegistry registry;
    private final BdevAdmin admin;
    private final Map<String, ServiceRegistration<DynamicMBean>> perBdev = new ConcurrentHashMap<>();
    private ServiceRegistration<DynamicMBean> layer;

    @Activate
    public BdevJmx(BundleContext context, @Reference BdevRegistry registry, @Reference BdevAdmin admin) {
        this.context = context;
        this.registry = registry;
        this.admin = admin;
        layer = register(objectName("bdevs", null), new Layer(), BdevsMBean.class);
        registry.addListener(this);
    }

    @Deactivate
    void deactivate() {
        registry.removeListener(this);
        perBdev.values().forEach(BdevJmx::unregister);
        perBdev.clear();
        unregister(layer);
    }

    /** {@code io.karst:type=<type>[,name=<name>]}, quoting the name when it needs it. */
    public static String objectName(String type, String name) {
        String base = DOMAIN + ":type=" + type;
        if (name == null) {
            return base;
        }
        boolean plain = name.chars().noneMatch(c -> ",=:\"*?\n".indexOf(c) >= 0);
        return base + ",name=" + (plain ? name : ObjectName.quote(name));
    }

    @Override
    public void bdevAdded(Bdev bdev) {
        ServiceRegistration<DynamicMBean> reg = register(objectName("bdev", bdev.name()), new PerBdev(bdev),
                BdevMBean.class);
        ServiceRegistration<DynamicMBean> old = perBdev.put(bdev.name(), reg);
        unregister(old);
    }

    @Override
    public void bdevRemoved(Bdev bdev) {
        unregister(perBdev.remove(bdev.name()));
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

    /** Runs an operation, turning our exceptions into plain ones a JMX client can load. */
    private static <T> T guarded(java.util.function.Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            throw plain(e);
        }
    }

    /** JMX clients cannot load our exception classes: hand them plain ones with the message. */
    private static RuntimeException plain(RuntimeException e) {
        if (e instanceof BdevException be) {
            return be.reason() == BdevException.Reason.NOT_FOUND || be.reason() == BdevException.Reason.INVALID
                    || be.reason() == BdevException.Reason.EXISTS
                    ? new IllegalArgumentException(be.getMessage()) : new IllegalStateException(be.getMessage());
        }
        return new IllegalStateException(e.getMessage());
    }

    private final class Layer implements BdevsMBean {
        @Override
        public String[] getBdevs() {
            return registry.bdevs().stream().map(Bdev::name).toArray(String[]::new);
        }

        @Override
        public String[] getTypes() {
            return admin.types().stream().map(BdevAdmin.TypeInfo::usage).toArray(String[]::new);
        }

        @Override
        public String create(String type, String name, String[] arguments) {
            return guarded(() -> admin.create(type, name, arguments == null ? List.of() : List.of(arguments)).name());
        }

        @Override
        public void delete(String name) {
            guarded(() -> {
                admin.delete(name);
                return null;
            });
        }

        @Override
        public void resize(String name, String size) {
            guarded(() -> admin.resize(name, Sizes.parse(size)));
        }

        @Override
        public String perf(String name, String workload, int queueDepth, String ioSize, double seconds, int threads) {
            return guarded(() -> {
                try {
                    return BdevPerf.run(registry, BdevPerf.options(name, workload, queueDepth, ioSize, seconds,
                            threads, 70)).toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
            });
        }
    }

    private final class PerBdev implements BdevMBean {
        private final Bdev bdev;

        PerBdev(Bdev bdev) {
            this.bdev = bdev;
        }

        private IoStatistics.TypeStatistics of(IoType t) {
            return bdev.statistics().of(t);
        }

        @Override public String getName() { return bdev.name(); }
        @Override public String[] getAliases() { return bdev.aliases().toArray(String[]::new); }
        @Override public String getUuid() { return bdev.uuid().toString(); }
        @Override public String getModule() { return bdev.module(); }
        @Override public String getProductName() { return bdev.productName(); }
        @Override public int getBlockSize() { return bdev.blockSize(); }
        @Override public long getBlockCount() { return bdev.blockCount(); }
        @Override public long getSizeBytes() { return bdev.sizeBytes(); }
        @Override public int getRequiredAlignment() { return bdev.requiredAlignment(); }
        @Override public int getOptimalIoBoundary() { return bdev.optimalIoBoundary(); }
        @Override public boolean isWriteCache() { return bdev.writeCache(); }
        @Override public boolean isReadOnly() { return bdev.readOnly(); }

        @Override
        public String[] getIoTypes() {
            return bdev.ioTypes().stream().sorted().map(IoType::spdkName).toArray(String[]::new);
        }

        @Override
        public String[] getHolders() {
            return BdevFormat.holders(bdev).toArray(String[]::new);
        }

        @Override
        public String[] getDriverInfo() {
            List<String> out = new ArrayList<>();
            bdev.driverInfo().forEach((k, v) -> out.add(k + "=" + v));
            return out.toArray(String[]::new);
        }

        @Override public long getInFlight() { return bdev.statistics().inFlight(); }
        @Override public long getReadOps() { return of(IoType.READ).ops(); }
        @Override public long getWriteOps() { return of(IoType.WRITE).ops(); }
        @Override public long getBytesRead() { return of(IoType.READ).bytes(); }
        @Override public long getBytesWritten() { return of(IoType.WRITE).bytes(); }
        @Override public long getUnmapOps() { return of(IoType.UNMAP).ops(); }
        @Override public long getFlushOps() { return of(IoType.FLUSH).ops(); }

        @Override
        public long getErrors() {
            return bdev.statistics().byType().values().stream().mapToLong(IoStatistics.TypeStatistics::errors).sum();
        }

        @Override public long getReadLatencyMeanNanos() { return of(IoType.READ).meanLatencyNanos(); }
        @Override public long getReadLatencyP99Nanos() { return of(IoType.READ).percentileNanos(0.99); }
        @Override public long getWriteLatencyMeanNanos() { return of(IoType.WRITE).meanLatencyNanos(); }
        @Override public long getWriteLatencyP99Nanos() { return of(IoType.WRITE).percentileNanos(0.99); }

        @Override
        public String[] getIostat() {
            return BdevFormat.iostat(bdev.statistics()).toArray(String[]::new);
        }

        @Override
        public String[] latencyHistogram(String ioType) {
            IoType t = BdevFormat.ioType(ioType);
            return of(t).histogram().stream().map(b -> b.upperNanos() + " " + b.count()).toArray(String[]::new);
        }

        @Override
        public void resize(String size) {
            guarded(() -> admin.resize(bdev.name(), Sizes.parse(size)));
        }

        @Override
        public void delete() {
            guarded(() -> {
                admin.delete(bdev.name());
                return null;
            });
        }

        @Override
        public void resetStatistics() {
            guarded(() -> {
                admin.resetStatistics(bdev.name());
                return null;
            });
        }
    }
}
