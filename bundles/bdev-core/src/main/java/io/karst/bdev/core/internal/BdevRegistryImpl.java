package io.karst.bdev.core.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.spi.BlockDevice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The registry of bdevs. Modules register {@link BlockDevice} services (whiteboard); each becomes a
 * {@link RegisteredBdev}. Unregistering the service hot-removes the bdev.
 */
@Component(service = BdevRegistry.class, immediate = true, configurationPid = BdevRegistryImpl.PID)
public final class BdevRegistryImpl implements BdevRegistry {
    static final String PID = "io.karst.bdev.core";
    private static final System.Logger LOG = System.getLogger(BdevRegistryImpl.class.getName());

    /** Configuration of the bdev core. */
    @ObjectClassDefinition(name = "Karst bdev core")
    public @interface Config {
        @AttributeDefinition(description = "How long a hot-remove waits for holders to close and I/O to drain, ms")
        long removal_timeout_ms() default 5000;
    }

    /** Serialises registration changes and the listener calls about them. */
    private final ReentrantLock registration = new ReentrantLock();
    private final Map<String, RegisteredBdev> byName = new ConcurrentHashMap<>();
    private final Map<BlockDevice, RegisteredBdev> byDevice = new IdentityHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile long removalTimeoutMillis = 5000;

    public BdevRegistryImpl() {
    }

    @Activate
    @Modified
    void configure(Config config) {
        removalTimeoutMillis = Math.max(0, config.removal_timeout_ms());
    }

    @Deactivate
    void deactivate() {
        List<BlockDevice> all;
        registration.lock();
        try {
            all = new ArrayList<>(byDevice.keySet());
        } finally {
            registration.unlock();
        }
        for (BlockDevice d : all) {
            removeDevice(d);
        }
    }

    public void setRemovalTimeoutMillis(long millis) {
        removalTimeoutMillis = millis;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addDevice(BlockDevice device) {
        RegisteredBdev rb;
        try {
            rb = new RegisteredBdev(device);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "a bdev module registered a device with unusable properties; ignored",
                    e);
            return;
        }
        registration.lock();
        try {
            if (byDevice.containsKey(device)) {
                return;
            }
            List<String> names = new ArrayList<>();
            names.add(rb.name());
            names.addAll(rb.aliases());
            for (String n : names) {
                RegisteredBdev other = byName.get(n);
                if (other != null) {
                    LOG.log(System.Logger.Level.ERROR, "bdev {0} from module {1} not registered: the name {2} is"
                            + " already taken by {3}", rb.name(), rb.module(), n, other);
                    return;
                }
            }
            if (names.size() != names.stream().distinct().count()) {
                LOG.log(System.Logger.Level.ERROR, "bdev {0} not registered: an alias repeats a name", rb.name());
                return;
            }
            byDevice.put(device, rb);
            for (String n : names) {
                byName.put(n, rb);
            }
            try {
                device.attach(rb);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "bdev " + rb.name() + ": attach failed; not registered", e);
                byDevice.remove(device);
                names.forEach(byName::remove);
                return;
            }
            LOG.log(System.Logger.Level.INFO, "bdev {0} registered: module {1}, {2} blocks of {3} bytes",
                    rb.name(), rb.module(), rb.blockCount(), rb.blockSize());
            for (Listener l : listeners) {
                notifyAdded(l, rb);
            }
        } finally {
            registration.unlock();
        }
    }

    public void removeDevice(BlockDevice device) {
        RegisteredBdev rb;
        registration.lock();
        try {
            rb = byDevice.remove(device);
            if (rb == null) {
                return;
            }
            rb.removing = true;
            byName.remove(rb.name(), rb);
            for (String a : rb.aliases()) {
                byName.remove(a, rb);
            }
            for (Listener l : listeners) {
                try {
                    l.bdevRemoved(rb);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "registry listener failed on removal of " + rb.name(), e);
                }
            }
        } finally {
            registration.unlock();
        }
        rb.remove(removalTimeoutMillis);
        LOG.log(System.Logger.Level.INFO, "bdev {0} unregistered", rb.name());
    }

    @Override
    public List<Bdev> bdevs() {
        List<Bdev> out;
        registration.lock();
        try {
            out = new ArrayList<>(byDevice.values());
        } finally {
            registration.unlock();
        }
        out.sort(Comparator.comparing(Bdev::name));
        return out;
    }

    @Override
    public Optional<Bdev> find(String nameOrAlias) {
        return nameOrAlias == null ? Optional.empty() : Optional.ofNullable(byName.get(nameOrAlias));
    }

    @Override
    public BdevDescriptor open(String nameOrAlias, OpenOptions options) {
        RegisteredBdev rb = nameOrAlias == null ? null : byName.get(nameOrAlias);
        if (rb == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no bdev named " + nameOrAlias);
        }
        return rb.open(options);
    }

    @Override
    public void addListener(Listener listener) {
        registration.lock();
        try {
            listeners.add(listener);
            List<RegisteredBdev> current = new ArrayList<>(byDevice.values());
            current.sort(Comparator.comparing(Bdev::name));
            for (RegisteredBdev rb : current) {
                notifyAdded(listener, rb);
            }
        } finally {
            registration.unlock();
        }
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    private static void notifyAdded(Listener l, RegisteredBdev rb) {
        try {
            l.bdevAdded(rb);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "registry listener failed on " + rb.name(), e);
        }
    }
}
