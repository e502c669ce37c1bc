package io.karst.bdev.virtual.internal;

import io.karst.bdev.spi.BlockDevice;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** Shared lifecycle of the configured virtual bdevs: registration as an OSGi service, start and stop. */
abstract class StackedBdevComponent {
    static StackedBdev.Registrar registrar(BundleContext context) {
        return device -> {
            ServiceRegistration<BlockDevice> reg = context.registerService(BlockDevice.class, device,
                    BlockDevice.serviceProperties(device));
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
