package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.bdev.spi.BdevConfig;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** One configured passthru bdev. */
@Component(configurationPid = VirtualBdevTypes.PASSTHRU_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class PassthruBdevComponent extends StackedBdevComponent {
    private final PassthruBdev bdev;

    @Activate
    public PassthruBdevComponent(BundleContext context, @Reference BdevRegistry registry, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        bdev = new PassthruBdev(c.name(), c.uuid(), c.requiredString(VirtualBdevTypes.BASE_BDEV), registry,
                registrar(context));
        bdev.start();
    }

    @Deactivate
    void deactivate() {
        bdev.stop();
    }
}
