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

/**
 * One configured error bdev. It is known to the {@link ErrorInjector} before its block device is registered, so
 * that whoever sees the bdev appear (a {@code bdev:create} that waits for it) can inject errors into it at once.
 */
@Component(configurationPid = VirtualBdevTypes.ERROR_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class ErrorBdevComponent extends StackedBdevComponent {
    private final ErrorBdev bdev;
    private final ErrorInjector injector;

    @Activate
    public ErrorBdevComponent(BundleContext context, @Reference BdevRegistry registry,
            @Reference ErrorInjector injector, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        this.injector = injector;
        bdev = new ErrorBdev(c.name(), c.uuid(), c.requiredString(VirtualBdevTypes.BASE_BDEV), registry,
                registrar(context));
        injector.add(bdev);
        bdev.start();
    }

    @Deactivate
    void deactivate() {
        bdev.stop();
        injector.remove(bdev);
    }
}
