package io.karst.bdev.virtual.internal;

import io.karst.bdev.spi.BlockDevice;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** Shared lifecycle of the configured virtual bdevs: registration as an OSGi service, start and stop. */
abstract class StackedBdevComponent {
    static StackedBdev.Registrar registrar(BundleContext context, String module) {
        return device -> {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(BlockDevice.NAME_PROPERTY, device.properties().name());
            props.put(BlockDevice.MODULE_PROPERTY, module);
            ServiceRegistration<BlockDevice> reg = context.registerService(BlockDevice.class, device, props);
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // bundle stopping
                }
            };
        };
    }
}
