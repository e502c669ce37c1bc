package io.karst.bdev.file.internal;

import io.karst.bdev.spi.BlockDevice;
import java.io.IOException;
import java.util.Hashtable;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * One file bdev per factory configuration of {@value FileModule#FACTORY_PID}: opens the file and registers the
 * device as a {@link BlockDevice} service itself (so that on removal it can unregister first and free native
 * resources after), applies resizes live, and closes the device when the configuration goes.
 */
@Component(configurationPid = FileModule.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class FileBdevComponent {
    private static final System.Logger LOG = System.getLogger(FileBdevComponent.class.getName());

    private final FileModule module;
    private FileBdevConfig config;
    private FileBdev device;
    private ServiceRegistration<BlockDevice> registration;

    @Activate
    public FileBdevComponent(@Reference FileModule module, BundleContext context, Map<String, Object> properties) {
        this.module = module;
        try {
            config = FileBdevConfig.from(properties);
            device = FileBdev.open(config, module.shim());
        } catch (IOException | IllegalArgumentException e) {
            // the operator's message, without a stack trace; the configuration stays and can be fixed or deleted
            LOG.log(System.Logger.Level.ERROR, "file bdev " + properties.get("name") + " not created: "
                    + e.getMessage());
            return;
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockDevice.NAME_PROPERTY, config.name());
        props.put(BlockDevice.MODULE_PROPERTY, FileBdev.MODULE);
        registration = context.registerService(BlockDevice.class, device, props);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        if (device == null) {
            LOG.log(System.Logger.Level.WARNING, "file bdev " + properties.get("name")
                    + " was not created; delete and create it again to apply changes");
            return;
        }
        FileBdevConfig next;
        try {
            next = FileBdevConfig.from(properties);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "file bdev " + config.name() + ": ignoring invalid change: "
                    + e.getMessage());
            return;
        }
        if (next.differsBeyondSize(config)) {
            LOG.log(System.Logger.Level.WARNING, "file bdev " + config.name() + ": only the size changes live;"
                    + " other changes apply when the bdev is created again");
        }
        long currentBytes = device.properties().blockCount() * config.blockSize();
        boolean resize = device.blockDevice() ? next.size() != config.size()
                : next.size() != -1 && next.size() != currentBytes;
        if (resize) {
            try {
                long blocks = device.resize(next.size());
                long bytes = blocks * config.blockSize();
                if (device.blockDevice() && next.size() != -1 && bytes != next.size()) {
                    LOG.log(System.Logger.Level.WARNING, "file bdev " + config.name() + ": block device "
                            + config.filename() + " has " + bytes + " bytes, not the " + next.size()
                            + " asked for; a block device keeps its own size");
                } else {
                    LOG.log(System.Logger.Level.INFO, "file bdev " + config.name() + " now has " + blocks
                            + " blocks");
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "file bdev " + config.name() + " not resized: " + e.getMessage());
                return;
            }
        }
        config = config.withSize(next.size());
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it when the bundle stopped
            }
            registration = null;
        }
        if (device != null) {
            device.close();
            device = null;
        }
    }

    /** The device, for tests. */
    FileBdev device() {
        return device;
    }
}
