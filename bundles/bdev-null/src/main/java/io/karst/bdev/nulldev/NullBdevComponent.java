package io.karst.bdev.nulldev;

import io.karst.bdev.spi.BdevConfig;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.BlockDevice;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;

/** One configured null bdev (a factory configuration of {@value NullBdevType#PID}). */
@Component(configurationPid = NullBdevType.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class NullBdevComponent {
    private final NullBdev device;
    private final ServiceRegistration<BlockDevice> registration;

    @Activate
    public NullBdevComponent(BundleContext context, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        int blockSize = c.blockSize(512);
        long size = c.size(BdevType.SIZE, 0);
        NullBdevType.checkGeometry(size, blockSize);
        device = new NullBdev(c.name(), c.uuid(), blockSize, size / blockSize);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockDevice.NAME_PROPERTY, c.name());
        props.put(BlockDevice.MODULE_PROPERTY, NullBdev.MODULE);
        registration = context.registerService(BlockDevice.class, device, props);
    }

    @Modified
    void modified(Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        int blockSize = device.properties().blockSize();
        long size = c.size(BdevType.SIZE, 0);
        NullBdevType.checkGeometry(size, blockSize);
        device.resize(size / blockSize);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // bundle stopping
        }
    }
}
