package io.karst.bdev.malloc;

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

/**
 * One configured RAM bdev (a factory configuration of {@value MallocBdevType#PID}): allocates it, registers it
 * with the bdev layer, applies size changes, and frees it after unregistering.
 */
@Component(configurationPid = MallocBdevType.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class MallocBdevComponent {
    private static final System.Logger LOG = System.getLogger(MallocBdevComponent.class.getName());

    private final MallocBdev device;
    private final ServiceRegistration<BlockDevice> registration;

    @Activate
    public MallocBdevComponent(BundleContext context, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        int blockSize = BdevProperties.requireBlockSize(c.blockSize(512));
        device = new MallocBdev(c.name(), c.uuid(), blockSize, BdevProperties.requireBlocks(c.size(BdevType.SIZE, 0),
                blockSize));
        registration = context.registerService(BlockDevice.class, device, BlockDevice.serviceProperties(device));
    }

    @Modified
    void modified(Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        int blockSize = device.properties().blockSize();
        if (c.blockSize(512) != blockSize) {
            LOG.log(System.Logger.Level.WARNING, "malloc bdev {0}: the block size cannot change while it exists;"
                    + " delete and create it again", device.properties().name());
        }
        device.resize(BdevProperties.requireBlocks(c.size(BdevType.SIZE, 0), blockSize));
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister(); // hot-remove: returns once holders closed and I/O drained
        } catch (IllegalStateException alreadyGone) {
            // bundle stopping
        }
        device.destroy();
    }
}
