package io.karst.tcmur.internal;

import io.karst.bdev.spi.BdevConfig;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.BlockDevice;
import io.karst.tcmur.TcmuStatus;
import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurReconfig;
import java.util.Map;
import java.util.UUID;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * One configured tcmur bdev (a factory configuration of {@value TcmurBdevType#PID}): opened through its handler
 * whenever that handler is present, registered with the bdev layer, and hot-removed (holders get the remove event,
 * I/O drains, then the handler closes the device) when the handler goes or the configuration is deleted.
 */
@Component(configurationPid = TcmurBdevType.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class TcmurBdevComponent implements HandlerRegistry.Listener {
    private static final System.Logger LOG = System.getLogger(TcmurBdevComponent.class.getName());

    private final HandlerRegistry registry;
    private final DeviceRegistrar registrar;
    private final String name;
    private final UUID uuid;
    private final String cfg;
    private final String subtype;
    private volatile long size;
    private final int blockSize;

    private Open open;

    /** Registers a block device and returns how to unregister it. */
    interface DeviceRegistrar {
        Runnable register(BlockDevice device);
    }

    private record Open(HandlerBackend handler, TcmurBdev bdev, Runnable unregister) {
    }

    @Activate
    public TcmurBdevComponent(BundleContext context, @Reference HandlerRegistry registry, Map<String, Object> config) {
        this(registry, device -> {
            ServiceRegistration<BlockDevice> reg = context.registerService(BlockDevice.class, device,
                    BlockDevice.serviceProperties(device));
            return () -> {
                try {
                    reg.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // bundle stopping
                }
            };
        }, config);
    }

    TcmurBdevComponent(HandlerRegistry registry, DeviceRegistrar registrar, Map<String, Object> config) {
        this.registry = registry;
        this.registrar = registrar;
        BdevConfig c = new BdevConfig(config);
        this.name = c.name();
        UUID u = c.uuid();
        this.uuid = u == null ? UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)) : u;
        this.cfg = c.requiredString(TcmurBdevType.CFGSTRING);
        this.subtype = TcmurBdevType.subtypeOf(cfg);
        long configured = c.size(BdevType.SIZE, 0);
        this.size = configured > 0 ? configured : Math.max(0, TcmurBdevType.guessSize(cfg));
        this.blockSize = c.blockSize(512);
        if (subtype == null) {
            throw new IllegalArgumentException("tcmur bdev " + name + ": config string '" + cfg
                    + "' does not start with <subtype>/");
        }
        registry.subscribe(this);
        synchronized (this) {
            if (open == null) {
                LOG.log(System.Logger.Level.INFO, "tcmur bdev {0} waits for handler {1}", name, subtype);
            }
        }
    }

    @Override
    public String subtype() {
        return subtype;
    }

    @Override
    public synchronized void handlerAdded(HandlerBackend handler) {
        if (open != null) {
            return;
        }
        TcmurBdev bdev;
        try {
            DeviceBackend device = handler.open(new HandlerBackend.DeviceSpec(name, cfg, size, blockSize,
                    TcmurBdevType.DEFAULT_MAX_SECTORS, false, uuid.toString()), TcmurBdevType.DEFAULT_OUTSTANDING);
            bdev = new TcmurBdev(name, uuid, handler, device, TcmurBdevType.DEFAULT_OUTSTANDING);
            if (device instanceof NativeDeviceBackend n) {
                n.attach(bdev);
            }
            bdev.start(device::bind);
        } catch (TcmurException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcmur bdev {0}: cannot open {1}: {2}", name, cfg, e.getMessage());
            return;
        }
        Runnable unreg = registrar.register(bdev);
        open = new Open(handler, bdev, unreg);
        registry.deviceOpened(handler, name);
        LOG.log(System.Logger.Level.INFO, "tcmur bdev {0} open through handler {1}: {2} blocks of {3} bytes", name,
                subtype, bdev.properties().blockCount(), bdev.properties().blockSize());
    }

    @Override
    public void handlerRemoved(HandlerBackend handler) {
        Open o;
        synchronized (this) {
            o = open;
            if (o == null || o.handler != handler) {
                return;
            }
            open = null;
        }
        close(o);
    }

    private void close(Open o) {
        o.unregister.run(); // hot-remove: returns once holders closed and I/O drained
        o.bdev.stopWorkers();
        // a handler that still owns commands could write into them after we free them: wait, else leak them
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (o.bdev.outstanding() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (o.bdev.outstanding() > 0) {
            LOG.log(System.Logger.Level.ERROR, "tcmur bdev {0}: handler {1} still holds {2} commands; the device is"
                    + " left open and its memory kept", name, subtype, o.bdev.outstanding());
            registry.deviceClosed(o.handler, name);
            return;
        }
        try {
            o.bdev.device.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcmur bdev " + name + ": handler failed to close", e);
        }
        for (int i = 0; ; i++) {
            Request r = o.bdev.request(i);
            if (r == null) {
                break;
            }
            o.bdev.device.unbind(r);
        }
        registry.deviceClosed(o.handler, name);
        LOG.log(System.Logger.Level.INFO, "tcmur bdev {0} closed", name);
    }

    @Modified
    void modified(Map<String, Object> config) {
        long newSize = new BdevConfig(config).size(BdevType.SIZE, size);
        if (newSize == size) {
            return;
        }
        TcmurBdev b;
        synchronized (this) {
            b = open == null ? null : open.bdev;
        }
        size = newSize;
        if (b != null) {
            int rc = b.reconfig(TcmurReconfig.size(newSize));
            if (rc == TcmuStatus.OK) {
                b.resized(newSize / b.properties().blockSize());
            } else {
                LOG.log(System.Logger.Level.WARNING, "tcmur bdev {0}: handler {1} cannot resize (status {2}); the new"
                        + " size applies when the device is opened again", name, subtype, rc);
            }
        }
    }

    @Deactivate
    void deactivate() {
        registry.unsubscribe(this);
        Open o;
        synchronized (this) {
            o = open;
            open = null;
        }
        if (o != null) {
            close(o);
        }
    }
}
