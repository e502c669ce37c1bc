package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevException;
import io.karst.bdev.IoType;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Finds error bdevs by name for the shell ({@code bdev:inject-error}), JSON-RPC ({@code bdev_error_inject_error})
 * and JMX ({@code io.karst:type=errorInjection}).
 */
@Component(service = ErrorInjector.class, immediate = true)
public final class ErrorInjector {
    private final Map<String, ErrorBdev> byName = new ConcurrentHashMap<>();
    private ServiceRegistration<DynamicMBean> mbean;

    @Activate
    void activate(BundleContext context) throws NotCompliantMBeanException {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("jmx.objectname", "io.karst:type=errorInjection");
        mbean = context.registerService(DynamicMBean.class, new StandardMBean(new Jmx(), ErrorInjectionMBean.class),
                props);
    }

    @Deactivate
    void deactivate() {
        try {
            mbean.unregister();
        } catch (IllegalStateException alreadyGone) {
            // bundle stopping
        }
    }

    public String[] injections(String name) {
        return find(name).injections().toArray(String[]::new);
    }

    /** The JMX door; JMX clients cannot load our exception classes, so failures become plain ones. */
    private final class Jmx implements ErrorInjectionMBean {
        @Override
        public String[] getErrorBdevs() {
            return new TreeMap<>(byName).keySet().toArray(String[]::new);
        }

        @Override
        public void inject(String name, String ioType, String errorType, int count) {
            jmx(() -> ErrorInjector.this.inject(name, ioType, errorType, count));
        }

        @Override
        public void clear(String name) {
            jmx(() -> find(name).clear());
        }

        @Override
        public String[] injections(String name) {
            String[][] out = new String[1][];
            jmx(() -> out[0] = ErrorInjector.this.injections(name));
            return out[0];
        }

        private void jmx(Runnable r) {
            try {
                r.run();
            } catch (BdevException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
    }

    /** Called by an error bdev's component before its block device is registered. */
    void add(ErrorBdev bdev) {
        byName.put(bdev.name, bdev);
    }

    /** Called by an error bdev's component after its block device is unregistered. */
    void remove(ErrorBdev bdev) {
        byName.remove(bdev.name, bdev);
    }

    public ErrorBdev find(String name) {
        ErrorBdev b = byName.get(name);
        if (b == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no error bdev named " + name + " (error bdevs: "
                    + String.join(", ", new TreeMap<>(byName).keySet()) + ")");
        }
        return b;
    }

    /** Injects into one type, or every type when {@code ioType} is "all". */
    public void inject(String name, String ioType, String injection, int count) {
        ErrorBdev b = find(name);
        IoType type = null;
        if (!"all".equalsIgnoreCase(ioType)) {
            type = parseType(ioType);
        }
        ErrorBdev.Injection inj;
        try {
            inj = ErrorBdev.Injection.valueOf(injection.toUpperCase(java.util.Locale.ROOT).replace("CORRUPT_DATA",
                    "CORRUPT"));
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, "unknown error type '" + injection + "' (failure,"
                    + " nomem, nospace, medium, corrupt, pending)");
        }
        b.inject(type, inj, count);
    }


    static IoType parseType(String s) {
        for (IoType t : IoType.values()) {
            if (t.spdkName().equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new BdevException(BdevException.Reason.INVALID, "unknown I/O type '" + s + "' (read, write, flush,"
                + " unmap, write_zeroes, reset, compare, compare_and_write, all)");
    }
}
