package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.bdev.spi.BdevConfig;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/** One configured delay bdev; changing its latencies in the configuration applies them at once. */
@Component(configurationPid = VirtualBdevTypes.DELAY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class DelayBdevComponent extends StackedBdevComponent {
    private final DelayBdev bdev;

    @Activate
    public DelayBdevComponent(BundleContext context, @Reference BdevRegistry registry, Map<String, Object> config) {
        BdevConfig c = new BdevConfig(config);
        bdev = new DelayBdev(c.name(), c.uuid(), c.requiredString(VirtualBdevTypes.BASE_BDEV), latencies(c),
                registry, registrar(context));
        bdev.start();
    }

    static DelayBdev.Latencies latencies(BdevConfig c) {
        return new DelayBdev.Latencies(c.longValue("avg_read_latency", 0), c.longValue("p99_read_latency", 0),
                c.longValue("avg_write_latency", 0), c.longValue("p99_write_latency", 0),
                c.longValue("other_latency", 0));
    }

    @Modified
    void modified(Map<String, Object> config) {
        bdev.setLatencies(latencies(new BdevConfig(config)));
    }

    @Deactivate
    void deactivate() {
        bdev.stop();
        bdev.shutdown();
    }
}
