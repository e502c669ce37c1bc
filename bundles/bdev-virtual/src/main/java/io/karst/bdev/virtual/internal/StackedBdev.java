package io.karst.bdev.virtual.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.spi.BdevHost;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A virtual bdev over one base bdev (SPDK's examine and claim): it waits for the base to be registered, claims it
 * exclusively, registers itself with the base's geometry, follows the base's resizes, and goes away — hot-removing
 * its own holders first — when the base does. When the base comes back, so does the virtual bdev.
 */
public abstract class StackedBdev implements BlockDevice, BdevRegistry.Listener {
    private static final System.Logger LOG = System.getLogger(StackedBdev.class.getName());

    /** How the virtual bdev publishes itself: OSGi service registration, or a test harness. */
    @FunctionalInterface
    public interface Registrar {
        /** Registers the device; the returned action unregisters it (and returns once the removal finished). */
        Runnable register(BlockDevice device);
    }

    protected final String name;
    protected final String baseName;
    private final UUID uuid;
    private final BdevRegistry registry;
    private final Registrar registrar;
    private BdevDescriptor base;
    private Runnable unregister;
    private BdevProperties properties;
    private boolean stopped;
    private volatile BdevHost host;

    protected StackedBdev(String name, UUID uuid, String baseName, BdevRegistry registry, Registrar registrar) {
        this.name = BdevProperties.requireName(name);
        this.uuid = uuid;
        this.baseName = baseName;
        this.registry = registry;
        this.registrar = registrar;
    }

    /** The module name ({@code passthru}, ...). */
    protected abstract String module();

    /** The I/O types this module can forward, of those the base supports. */
    protected Set<IoType> supportedTypes(Set<IoType> baseTypes) {
        return baseTypes;
    }

    /** Stacked bdevs forward block I/O only: SCSI pass-through stays with the base's own exports. */
    private static Set<IoType> withoutPassthrough(Set<IoType> types) {
        if (!types.contains(IoType.SCSI_PASSTHROUGH)) {
            return types;
        }
        Set<IoType> copy = java.util.EnumSet.copyOf(types);
        copy.remove(IoType.SCSI_PASSTHROUGH);
        return copy;
    }

    /** Handles one request, normally by submitting it to the base channel with the request as the callback. */
    protected abstract void submit(BdevIo io, IoChannel base);

    /** Called before the virtual bdev is unregistered: complete anything the module holds back. */
    protected void beforeRemoval() {
    }

    public void start() {
        registry.addListener(this);
    }

    public void stop() {
        synchronized (this) {
            stopped = true;
        }
        registry.removeListener(this);
        detachFromBase("deleted");
    }

    @Override
    public void bdevAdded(Bdev bdev) {
        if (bdev.name().equals(baseName) || bdev.aliases().contains(baseName)) {
            attachTo(bdev);
        }
    }

    private void attachTo(Bdev bdev) {
        synchronized (this) {
            if (stopped || base != null) {
                return;
            }
        }
        BdevDescriptor desc;
        try {
            desc = registry.open(baseName, OpenOptions.exclusive(module() + " bdev " + name)
                    .withListener(this::baseEvent));
        } catch (BdevException e) {
            LOG.log(System.Logger.Level.ERROR, "{0} bdev {1}: cannot claim base bdev {2}: {3}", module(), name,
                    baseName, e.getMessage());
            return;
        }
        Bdev b = desc.bdev();
        synchronized (this) {
            if (stopped || base != null) {
                desc.close();
                return;
            }
            base = desc;
            properties = BdevProperties.builder(name, module()).uuid(uuid).productName(productName())
                    .blockSize(b.blockSize()).blockCount(b.blockCount()).requiredAlignment(b.requiredAlignment())
                    .optimalIoBoundary(b.optimalIoBoundary()).writeCache(b.writeCache())
                    .unmapReadsZeroes(b.unmapReadsZeroes()).nativeFua(true)
                    .ioTypes(withoutPassthrough(supportedTypes(b.ioTypes()))).build();
        }
        Runnable unreg = registrar.register(this);
        boolean stale;
        synchronized (this) {
            stale = stopped || base != desc;
            if (!stale) {
                unregister = unreg;
            }
        }
        if (stale) {
            unreg.run();
        } else {
            LOG.log(System.Logger.Level.INFO, "{0} bdev {1} stacked on {2}", module(), name, baseName);
        }
    }

    private void baseEvent(BdevEvent event, Bdev bdev, BdevDescriptor desc) {
        if (event == BdevEvent.REMOVE) {
            detachFromBase("base bdev " + baseName + " removed");
        } else if (event == BdevEvent.RESIZE) {
            BdevHost h = host;
            if (h != null) {
                h.resized(bdev.blockCount());
            }
        }
    }

    private void detachFromBase(String why) {
        Runnable unreg;
        BdevDescriptor desc;
        synchronized (this) {
            unreg = unregister;
            desc = base;
            unregister = null;
            base = null;
        }
        if (unreg != null) {
            LOG.log(System.Logger.Level.INFO, "{0} bdev {1} goes away: {2}", module(), name, why);
            beforeRemoval();
            unreg.run();
        }
        if (desc != null) {
            desc.close();
        }
    }

    protected String productName() {
        return module();
    }

    /** Whether the virtual bdev is registered right now (its base is present and claimed). */
    public synchronized boolean attached() {
        return unregister != null;
    }

    // ---- BlockDevice

    @Override
    public synchronized BdevProperties properties() {
        return properties;
    }

    @Override
    public void attach(BdevHost h) {
        host = h;
    }

    @Override
    public DeviceChannel openChannel() {
        BdevDescriptor desc;
        synchronized (this) {
            desc = base;
        }
        if (desc == null) {
            throw new BdevException(BdevException.Reason.REMOVED, "base bdev " + baseName + " is gone");
        }
        IoChannel baseChannel = desc.openChannel();
        return new DeviceChannel() {
            @Override
            public void submit(BdevIo io) {
                StackedBdev.this.submit(io, baseChannel);
            }

            @Override
            public void close() {
                baseChannel.close();
            }
        };
    }

    @Override
    public Map<String, String> driverInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("base_bdev", baseName);
        return m;
    }

    /** Forwards a request unchanged; the request itself is the base I/O's callback. */
    protected static void forward(BdevIo io, IoChannel base) {
        base.submit(io.type(), io.offsetBlocks(), io.numBlocks(), io.iov(), io.writeIov(), io.flags(), io);
    }
}
