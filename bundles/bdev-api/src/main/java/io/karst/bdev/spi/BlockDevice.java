package io.karst.bdev.spi;

import java.util.Hashtable;
import java.util.Map;

/**
 * A module's block device: its properties and its I/O entry points (SPDK's function table). Registered as an
 * OSGi service; the core calls {@link #attach} when it registers the bdev and {@link #detach} after the bdev is
 * unregistered and no I/O is in flight any more.
 */
public interface BlockDevice {
    /** Service property carrying the bdev name (for filters and diagnostics). */
    String NAME_PROPERTY = "karst.bdev.name";
    /** Service property carrying the module name. */
    String MODULE_PROPERTY = "karst.bdev.module";

    BdevProperties properties();

    /** The service properties to register a device with ({@value #NAME_PROPERTY}, {@value #MODULE_PROPERTY}). */
    static Hashtable<String, Object> serviceProperties(BlockDevice device) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(NAME_PROPERTY, device.properties().name());
        props.put(MODULE_PROPERTY, device.properties().module());
        return props;
    }

    /**
     * Opens a channel for one submitting thread. A module without per-thread state may return the same object
     * every time.
     */
    DeviceChannel openChannel();

    /** Called once when the bdev is registered; the host is how the device reports resizes. */
    default void attach(BdevHost host) {
    }

    /** Called once after the bdev was unregistered and its outstanding I/O has drained. */
    default void detach() {
    }

    /** Module-specific facts for management views (path, base bdev, engine, ...). */
    default Map<String, String> driverInfo() {
        return Map.of();
    }
}
