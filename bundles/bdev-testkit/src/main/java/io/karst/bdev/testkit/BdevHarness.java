package io.karst.bdev.testkit;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.core.internal.BdevRegistryImpl;
import io.karst.bdev.spi.BlockDevice;
import java.util.ArrayList;
import java.util.List;

/** The real bdev core outside OSGi: register devices the way the service whiteboard would. */
public final class BdevHarness implements AutoCloseable {
    private final BdevRegistryImpl registry = new BdevRegistryImpl();
    private final List<BlockDevice> devices = new ArrayList<>();

    public BdevHarness() {
        registry.setRemovalTimeoutMillis(5000);
    }

    public BdevRegistry registry() {
        return registry;
    }

    public BdevHarness removalTimeout(long millis) {
        registry.setRemovalTimeoutMillis(millis);
        return this;
    }

    /** Registers a device as its module's service registration would. */
    public Bdev register(BlockDevice device) {
        registry.addDevice(device);
        devices.add(device);
        return registry.find(device.properties().name())
                .orElseThrow(() -> new AssertionError("device " + device.properties().name() + " not registered"));
    }

    /** Unregisters a device as unregistering its service would: a hot-remove. Returns when the removal finished. */
    public void unregister(BlockDevice device) {
        devices.remove(device);
        registry.removeDevice(device);
    }

    @Override
    public void close() {
        for (BlockDevice d : new ArrayList<>(devices)) {
            unregister(d);
        }
    }
}
