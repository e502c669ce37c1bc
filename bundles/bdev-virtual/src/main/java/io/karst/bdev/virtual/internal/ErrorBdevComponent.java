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

/** One configured error bdev; also offered to the {@link ErrorInjector}. */
@Component(configurationPid = VirtualBdevTypes.ERROR_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = ErrorBdevComponent.class)
public final class ErrorBdevComponent extends StackedBdevComponent {
    private final ErrorBdev bdev;

    @Activate
    public ErrorBdevComponent(BundleContext context, @Reference BdevRegistry registry, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        bdev = new ErrorBdev(c.name(), c.uuid(), c.requiredString(VirtualBdevTypes.BASE_BDEV), registry,
                registrar(context));
        bdev.start();
    }

    ErrorBdev bdev() {
        return bdev;
    }

    @Deactivate
    void deactivate() {
        bdev.stop();
    }
}
