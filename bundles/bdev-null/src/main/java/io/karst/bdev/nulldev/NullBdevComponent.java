package io.karst.bdev.nulldev;

import io.karst.bdev.spi.BdevConfig;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.BlockDevice;
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
        int blockSize = BdevProperties.requireBlockSize(c.blockSize(512));
        device = new NullBdev(c.name(), c.uuid(), blockSize, BdevProperties.requireBlocks(c.size(BdevType.SIZE, 0),
                blockSize));
        registration = context.registerService(BlockDevice.class, device, BlockDevice.serviceProperties(device));
    }

    @Modified
    void modified(Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        device.resize(BdevProperties.requireBlocks(c.size(BdevType.SIZE, 0), device.properties().blockSize()));
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
