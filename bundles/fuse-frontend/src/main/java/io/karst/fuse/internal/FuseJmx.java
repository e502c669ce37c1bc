package io.karst.fuse.internal;

import io.karst.fuse.FuseFrontend;
import io.karst.fuse.FuseMBean;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.function.Supplier;
import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** Publishes {@code io.karst:type=fuse} through the JMX whiteboard; it calls the same service as the shell. */
@Component(immediate = true, service = {})
public final class FuseJmx implements FuseMBean {
    static final String OBJECT_NAME = "io.karst:type=fuse";

    private final FuseFrontend fuse;
    private final ServiceRegistration<DynamicMBean> registration;

    @Activate
    public FuseJmx(BundleContext context, @Reference FuseFrontend fuse) throws NotCompliantMBeanException {
        this.fuse = fuse;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("jmx.objectname", OBJECT_NAME);
        registration = context.registerService(DynamicMBean.class, new StandardMBean(this, FuseMBean.class), props);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException stopping) {
            // already gone with the bundle
        }
    }

    /** JMX clients cannot load our classes: failures become plain exceptions with the message. */
    private static <T> T guarded(Supplier<T> op) {
        try {
            return op.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    @Override
    public String getMountPoint() {
        return fuse.status().mountPoint();
    }

    @Override
    public String getState() {
        return fuse.status().state();
    }

    @Override
    public String getDetail() {
        return fuse.status().detail();
    }

    @Override
    public String[] getExports() {
        return fuse.status().exports().toArray(String[]::new);
    }

    @Override
    public long getRequests() {
        return fuse.status().requests();
    }

    @Override
    public int getOpenFiles() {
        return fuse.status().openFiles();
    }

    @Override
    public String[] getFiles() {
        return fuse.files().stream().map(f -> String.format(
                "%s opens=%d/%d inflight=%d max=%d reads=%d writes=%d flushes=%d errors=%d", f.path(), f.readOpens(),
                f.writeOpens(), f.inFlight(), f.maxInFlight(), f.reads(), f.writes(), f.flushes(), f.errors()))
                .toArray(String[]::new);
    }

    private FuseFrontend.FileInfo file(String bdev) {
        return fuse.files().stream().filter(f -> f.bdev().equals(bdev)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no file dev/" + bdev));
    }

    @Override
    public long inFlight(String bdev) {
        return guarded(() -> file(bdev).inFlight());
    }

    @Override
    public long maxInFlight(String bdev) {
        return guarded(() -> file(bdev).maxInFlight());
    }

    @Override
    public void mount(String mountPoint) {
        guarded(() -> {
            fuse.mount(mountPoint);
            return null;
        });
    }

    @Override
    public void unmount() {
        guarded(() -> {
            fuse.unmount();
            return null;
        });
    }

    @Override
    public void setExports(String[] names) {
        guarded(() -> {
            fuse.setExports(names == null ? java.util.List.of() : Arrays.asList(names));
            return null;
        });
    }

    @Override
    public void resetMaxInFlight() {
        fuse.resetMaxInFlight();
    }
}
