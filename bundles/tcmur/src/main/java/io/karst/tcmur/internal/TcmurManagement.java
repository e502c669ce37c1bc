package io.karst.tcmur.internal;

import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.DynamicMBean;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The management doors of the handler registry besides the shell: the MBean {@code io.karst:type=tcmur} and the
 * JSON-RPC methods {@code tcmur_get_handlers} and {@code tcmur_rescan_handlers} (bdevs are created with
 * {@code bdev_tcmur_create}, from the bdev type).
 */
@Component(service = {})
public final class TcmurManagement {
    private final ServiceRegistration<DynamicMBean> mbean;
    private final List<ServiceRegistration<RpcMethod>> methods = new ArrayList<>();

    /** The MBean's view: one handler. */
    public static final class HandlerView {
        private final HandlerRegistry.HandlerInfo h;

        HandlerView(HandlerRegistry.HandlerInfo h) {
            this.h = h;
        }

        public String getSubtype() { return h.subtype(); }
        public String getName() { return h.name(); }
        public String getOrigin() { return h.origin(); }
        public boolean isNative() { return h.nativeHandler(); }
        public int getNrThreads() { return h.nrThreads(); }
        public String getOperations() { return h.operations(); }
        public String getCfgDesc() { return h.cfgDesc(); }
        public String[] getDevices() { return h.devices().toArray(new String[0]); }
        public boolean isActive() { return h.active(); }
    }

    /** {@code io.karst:type=tcmur}. */
    public interface TcmurMXBean {
        List<HandlerView> getHandlers();

        /** Handler files that could not be loaded, with the reason. */
        Map<String, String> getProblems();

        String[] getHandlerDirectories();

        void rescan();
    }

    @Activate
    public TcmurManagement(BundleContext context, @Reference HandlerRegistry registry) {
        TcmurMXBean impl = new TcmurMXBean() {
            @Override
            public List<HandlerView> getHandlers() {
                return registry.handlers().stream().map(HandlerView::new).toList();
            }

            @Override
            public Map<String, String> getProblems() {
                return registry.problems();
            }

            @Override
            public String[] getHandlerDirectories() {
                return registry.directories().stream().map(Object::toString).toArray(String[]::new);
            }

            @Override
            public void rescan() {
                registry.rescan();
            }
        };
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("jmx.objectname", "io.karst:type=tcmur");
        mbean = context.registerService(DynamicMBean.class, new StandardMBean(impl, TcmurMXBean.class, true),
                props);
        register(context, new Method("tcmur_get_handlers", "List the tcmu-runner handlers (subtype, origin,"
                + " nr_threads, operations, config string description, devices)", p -> {
                    p.allowOnly();
                    List<Object> out = new ArrayList<>();
                    for (HandlerRegistry.HandlerInfo h : registry.handlers()) {
                        out.add(json(h));
                    }
                    return out;
                }));
        register(context, new Method("tcmur_rescan_handlers", "Rescan the handler directories for handler_*.so",
                p -> {
                    p.allowOnly();
                    registry.rescan();
                    return true;
                }));
    }

    static Map<String, Object> json(HandlerRegistry.HandlerInfo h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subtype", h.subtype());
        m.put("name", h.name());
        m.put("origin", h.origin());
        m.put("native", h.nativeHandler());
        m.put("nr_threads", h.nrThreads());
        m.put("operations", List.of(h.operations().split(",\\s*")));
        m.put("cfg_desc", h.cfgDesc());
        m.put("devices", h.devices());
        m.put("active", h.active());
        return m;
    }

    private void register(BundleContext context, Method m) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("karst.rpc.method", m.name());
        methods.add(context.registerService(RpcMethod.class, m, props));
    }

    @Deactivate
    void deactivate() {
        methods.forEach(ServiceRegistration::unregister);
        mbean.unregister();
    }

    private record Method(String name, String description, java.util.function.Function<RpcParams, Object> body)
            implements RpcMethod {
        @Override
        public Object call(RpcParams params) {
            return body.apply(params);
        }
    }
}
