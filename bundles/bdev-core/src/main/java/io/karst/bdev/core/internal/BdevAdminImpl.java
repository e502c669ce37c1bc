package io.karst.bdev.core.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.spi.BdevType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.apache.karaf.config.core.ConfigRepository;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Creates, deletes and resizes bdevs by managing factory configurations in Configuration Admin, the single source
 * of truth; the modules' configuration-driven components do the rest, and this service waits for the outcome.
 *
 * <p>Configurations are written through Karaf's configuration repository, so each bdev also has its file
 * {@code etc/<factoryPid>-<name>.cfg}; Felix FileInstall keeps that file in step with later changes and removes it
 * when the configuration is deleted.
 */
@Component(service = BdevAdmin.class, configurationPid = BdevAdminImpl.PID)
public final class BdevAdminImpl implements BdevAdmin {
    static final String PID = "io.karst.bdev.admin";
    private static final System.Logger LOG = System.getLogger(BdevAdminImpl.class.getName());

    /** Configuration of bdev administration. */
    @ObjectClassDefinition(name = "Karst bdev administration")
    public @interface Config {
        @AttributeDefinition(description = "How long create, delete and resize wait for the module, ms")
        long timeout_ms() default 30000;
    }

    private final BdevRegistry registry;
    private final ConfigurationAdmin configAdmin;
    private final ConfigRepository configRepository;
    private final Map<String, BdevType> types = new ConcurrentHashMap<>();
    private volatile Duration timeout = Duration.ofSeconds(30);

    @Activate
    public BdevAdminImpl(@Reference BdevRegistry registry, @Reference ConfigurationAdmin configAdmin,
                         @Reference ConfigRepository configRepository) {
        this.registry = registry;
        this.configAdmin = configAdmin;
        this.configRepository = configRepository;
    }

    @Activate
    @Modified
    void configure(Config config) {
        timeout = Duration.ofMillis(Math.max(1, config.timeout_ms()));
    }

    public void setTimeout(Duration value) {
        timeout = value;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addType(BdevType type) {
        BdevType old = types.putIfAbsent(type.name(), type);
        if (old != null && old != type) {
            LOG.log(System.Logger.Level.ERROR, "two modules offer bdev type {0}; keeping the first", type.name());
        }
    }

    public void removeType(BdevType type) {
        types.remove(type.name(), type);
    }

    @Override
    public List<TypeInfo> types() {
        List<TypeInfo> out = new ArrayList<>();
        for (BdevType t : types.values()) {
            out.add(info(t));
        }
        out.sort(Comparator.comparing(TypeInfo::name));
        return out;
    }

    private static TypeInfo info(BdevType t) {
        return new TypeInfo(t.name(), t.description(), List.copyOf(t.parameters()), t.resizable());
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    private BdevType type(String name) {
        BdevType t = name == null ? null : types.get(name);
        if (t == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no bdev type '" + name + "' (available: "
                    + String.join(", ", new TreeMap<>(types).keySet()) + ")");
        }
        return t;
    }

    @Override
    public Bdev create(String type, String name, List<String> arguments) {
        BdevType t = type(type);
        return create(t, name, ArgumentParser.byName(type, t.parameters(), arguments));
    }

    @Override
    public Bdev create(String type, String name, Map<String, String> parameters) {
        return create(type(type), name, parameters);
    }

    private Bdev create(BdevType t, String name, Map<String, String> given) {
        try {
            io.karst.bdev.spi.BdevProperties.requireName(name);
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, e.getMessage());
        }
        if (registry.find(name).isPresent() || find(name).isPresent()) {
            throw new BdevException(BdevException.Reason.EXISTS, "a bdev named " + name + " already exists");
        }
        Map<String, String> normalised = ArgumentParser.normalise(t.name(), t.parameters(), given, registry);
        Map<String, Object> props;
        try {
            props = new LinkedHashMap<>(t.configure(normalised));
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, e.getMessage());
        }
        props.put(BdevType.NAME, name);
        props.put(BdevType.UUID, normalised.getOrDefault(BdevType.UUID, UUID.randomUUID().toString()));

        Waiter waiter = new Waiter(b -> b.name().equals(name), true);
        registry.addListener(waiter);
        Configuration config;
        try {
            config = configAdmin.getFactoryConfiguration(t.factoryPid(), name, "?");
            configRepository.update(config.getPid(), strings(props));
        } catch (IOException | RuntimeException e) {
            registry.removeListener(waiter);
            throw new BdevException(BdevException.Reason.FAILED, "cannot store the configuration of " + name + ": "
                    + e.getMessage(), e);
        }
        try {
            if (!waiter.await(timeout)) {
                deleteQuietly(config);
                throw new BdevException(BdevException.Reason.FAILED, "bdev " + name + " (" + t.name()
                        + ") did not come up within " + timeout.toSeconds() + " s; the module's error is in the log");
            }
        } finally {
            registry.removeListener(waiter);
        }
        LOG.log(System.Logger.Level.INFO, "created {0} bdev {1}", t.name(), name);
        return registry.find(name).orElseThrow(() -> new BdevException(BdevException.Reason.FAILED,
                "bdev " + name + " went away right after it was created"));
    }

    @Override
    public void delete(String name) {
        Configuration config = requireConfigured(name);
        Waiter waiter = new Waiter(b -> b.name().equals(name), false);
        registry.addListener(waiter);
        try {
            boolean registered = registry.find(name).isPresent();
            configRepository.delete(config.getPid());
            if (registered && !waiter.await(timeout)) {
                throw new BdevException(BdevException.Reason.TIMEOUT, "bdev " + name + " was deleted from the"
                        + " configuration but is still registered after " + timeout.toSeconds() + " s");
            }
        } catch (Exception e) {
            if (e instanceof BdevException be) {
                throw be;
            }
            throw new BdevException(BdevException.Reason.FAILED, "cannot delete the configuration of " + name + ": "
                    + e.getMessage(), e);
        } finally {
            registry.removeListener(waiter);
        }
        LOG.log(System.Logger.Level.INFO, "deleted bdev {0}", name);
    }

    @Override
    public Bdev resize(String name, long newSizeBytes) {
        Configuration config = requireConfigured(name);
        BdevType t = typeOf(config).orElseThrow(() -> new BdevException(BdevException.Reason.NOT_FOUND,
                "the module of bdev " + name + " is not available"));
        if (!t.resizable()) {
            throw new BdevException(BdevException.Reason.UNSUPPORTED, t.name() + " bdevs cannot be resized");
        }
        Bdev bdev = registry.find(name).orElseThrow(() -> new BdevException(BdevException.Reason.NOT_FOUND,
                "bdev " + name + " is configured but not registered (see the log)"));
        if (newSizeBytes <= 0 || newSizeBytes % bdev.blockSize() != 0) {
            throw new BdevException(BdevException.Reason.INVALID, "the new size must be a positive multiple of the"
                    + " block size (" + bdev.blockSize() + ")");
        }
        long blocks = newSizeBytes / bdev.blockSize();
        Map<String, Object> props = new LinkedHashMap<>();
        Dictionary<String, Object> current = config.getProperties();
        for (Enumeration<String> keys = current.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            if (!k.equals("service.pid") && !k.equals("service.factoryPid") && !k.equals("service.bundleLocation")) {
                props.put(k, current.get(k));
            }
        }
        props.put(BdevType.SIZE, Long.toString(newSizeBytes));
        try {
            configRepository.update(config.getPid(), props);
        } catch (IOException e) {
            throw new BdevException(BdevException.Reason.FAILED, "cannot store the new size of " + name + ": "
                    + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (bdev.blockCount() != blocks && !bdev.removed()) {
            if (System.nanoTime() > deadline) {
                throw new BdevException(BdevException.Reason.TIMEOUT, "bdev " + name + " did not take the new size"
                        + " within " + timeout.toSeconds() + " s; the module's error is in the log");
            }
            sleep();
        }
        LOG.log(System.Logger.Level.INFO, "resized bdev {0} to {1} bytes", name, newSizeBytes);
        return bdev;
    }

    @Override
    public void reconfigure(String name, Map<String, String> changes) {
        Configuration config = requireConfigured(name);
        BdevType t = typeOf(config).orElseThrow(() -> new BdevException(BdevException.Reason.NOT_FOUND,
                "the module of bdev " + name + " is not available"));
        Map<String, String> current = configuration(name);
        Map<String, String> given = new LinkedHashMap<>();
        for (BdevAdmin.Parameter p : t.parameters()) {
            if (current.containsKey(p.name())) {
                given.put(p.name(), current.get(p.name()));
            }
            if (p.kind() == BdevAdmin.Parameter.Kind.BDEV && changes.containsKey(p.name())
                    && !changes.get(p.name()).equals(current.get(p.name()))) {
                throw new BdevException(BdevException.Reason.UNSUPPORTED, "the base bdev of " + name
                        + " cannot change; delete it and create it again");
            }
        }
        given.putAll(changes);
        Map<String, String> normalised = ArgumentParser.normalise(t.name(), t.parameters(), given, registry, false);
        Map<String, Object> props = new LinkedHashMap<>();
        Dictionary<String, Object> stored = config.getProperties();
        for (Enumeration<String> keys = stored.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            if (!k.equals("service.pid") && !k.equals("service.factoryPid") && !k.equals("service.bundleLocation")) {
                props.put(k, stored.get(k));
            }
        }
        try {
            props.putAll(strings(t.configure(normalised)));
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, e.getMessage());
        }
        try {
            configRepository.update(config.getPid(), props);
        } catch (IOException e) {
            throw new BdevException(BdevException.Reason.FAILED, "cannot store the configuration of " + name + ": "
                    + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "reconfigured bdev {0}: {1}", name, changes);
    }

    @Override
    public boolean isConfigured(String name) {
        return find(name).isPresent();
    }

    @Override
    public List<String> configuredNames() {
        List<String> out = new ArrayList<>();
        for (BdevType t : types.values()) {
            try {
                Configuration[] found = configAdmin.listConfigurations("(service.factoryPid=" + ldap(t.factoryPid())
                        + ")");
                if (found != null) {
                    for (Configuration c : found) {
                        Object n = c.getProperties() == null ? null : c.getProperties().get(BdevType.NAME);
                        if (n != null) {
                            out.add(n.toString());
                        }
                    }
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new BdevException(BdevException.Reason.FAILED, "cannot read configurations: " + e.getMessage(),
                        e);
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public Map<String, String> configuration(String name) {
        Configuration config = requireConfigured(name);
        Map<String, String> out = new LinkedHashMap<>();
        typeOf(config).ifPresent(t -> out.put("type", t.name()));
        Dictionary<String, Object> props = config.getProperties();
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            if (!k.startsWith("service.") && !k.startsWith("felix.") && !k.equals("component.name")) {
                out.put(k, String.valueOf(props.get(k)));
            }
        }
        return out;
    }

    @Override
    public void resetStatistics(String name) {
        Bdev b = registry.find(name).orElseThrow(() -> new BdevException(BdevException.Reason.NOT_FOUND,
                "no bdev named " + name));
        if (b instanceof RegisteredBdev rb) {
            rb.stats.reset();
        }
    }

    private Configuration requireConfigured(String name) {
        return find(name).orElseThrow(() -> registry.find(name).isPresent()
                ? new BdevException(BdevException.Reason.UNSUPPORTED, "bdev " + name + " was not created through the"
                + " configuration (module " + registry.find(name).get().module() + "); it cannot be changed here")
                : new BdevException(BdevException.Reason.NOT_FOUND, "no bdev named " + name));
    }

    private Optional<BdevType> typeOf(Configuration config) {
        for (BdevType t : types.values()) {
            if (t.factoryPid().equals(config.getFactoryPid())) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The configuration of a bdev of any known type, by its {@code name} property. */
    private Optional<Configuration> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (BdevType t : types.values()) {
            String filter = "(&(service.factoryPid=" + ldap(t.factoryPid()) + ")(" + BdevType.NAME + "=" + ldap(name)
                    + "))";
            try {
                Configuration[] found = configAdmin.listConfigurations(filter);
                if (found != null && found.length > 0) {
                    return Optional.of(found[0]);
                }
            } catch (IOException | InvalidSyntaxException e) {
                throw new BdevException(BdevException.Reason.FAILED, "cannot read configurations: " + e.getMessage(),
                        e);
            }
        }
        return Optional.empty();
    }

    static String ldap(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')' || c == '\0') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** Plain strings keep the files in etc/ readable ({@code size = 268435456}, not typed values). */
    private static Map<String, Object> strings(Map<String, Object> props) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : props.entrySet()) {
            if (e.getValue() != null) {
                d.put(e.getKey(), e.getValue() instanceof String ? e.getValue() : String.valueOf(e.getValue()));
            }
        }
        return d;
    }

    private void deleteQuietly(Configuration config) {
        try {
            configRepository.delete(config.getPid());
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the configuration of a failed bdev", e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BdevException(BdevException.Reason.FAILED, "interrupted");
        }
    }

    /** Waits until a matching bdev is registered (or unregistered). */
    private static final class Waiter implements BdevRegistry.Listener {
        private final Predicate<Bdev> match;
        private final boolean forAdd;
        private final CountDownLatch latch = new CountDownLatch(1);

        Waiter(Predicate<Bdev> match, boolean forAdd) {
            this.match = match;
            this.forAdd = forAdd;
        }

        @Override
        public void bdevAdded(Bdev bdev) {
            if (forAdd && match.test(bdev)) {
                latch.countDown();
            }
        }

        @Override
        public void bdevRemoved(Bdev bdev) {
            if (!forAdd && match.test(bdev)) {
                latch.countDown();
            }
        }

        boolean await(Duration d) {
            try {
                return latch.await(d.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
