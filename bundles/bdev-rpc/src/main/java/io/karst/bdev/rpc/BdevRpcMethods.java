package io.karst.bdev.rpc;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.Sizes;
import io.karst.bdev.spi.SpdkRpcMapping;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The bdev layer's JSON-RPC methods: SPDK's {@code bdev_get_bdevs}, {@code bdev_get_iostat}, ..., and for every
 * bdev type with an {@link SpdkRpcMapping} its create and delete methods, which come and go with the type's module.
 */
@Component(immediate = true, service = {})
public final class BdevRpcMethods {
    private final BundleContext context;
    private final BdevRegistry registry;
    private final BdevAdmin admin;
    private final List<ServiceRegistration<RpcMethod>> fixed = new ArrayList<>();
    private final Map<BdevType, List<ServiceRegistration<RpcMethod>>> perType = new ConcurrentHashMap<>();

    @Activate
    public BdevRpcMethods(BundleContext context, @Reference BdevRegistry registry, @Reference BdevAdmin admin) {
        this.context = context;
        this.registry = registry;
        this.admin = admin;
        for (Method m : methods(registry, admin)) {
            fixed.add(m.register(context));
        }
    }

    @Deactivate
    void deactivate() {
        fixed.forEach(BdevRpcMethods::unregister);
        perType.values().forEach(l -> l.forEach(BdevRpcMethods::unregister));
        perType.clear();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addType(BdevType type) {
        SpdkRpcMapping mapping = type.spdkRpc();
        if (mapping != null) {
            List<ServiceRegistration<RpcMethod>> regs = new ArrayList<>();
            for (Method m : typeMethods(type, mapping, registry, admin)) {
                regs.add(m.register(context));
            }
            perType.put(type, regs);
        }
    }

    void removeType(BdevType type) {
        List<ServiceRegistration<RpcMethod>> regs = perType.remove(type);
        if (regs != null) {
            regs.forEach(BdevRpcMethods::unregister);
        }
    }

    private static void unregister(ServiceRegistration<?> reg) {
        try {
            reg.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping
        }
    }

    /** The methods that do not depend on a module. */
    static List<Method> methods(BdevRegistry registry, BdevAdmin admin) {
        return List.of(
            new Method("bdev_get_bdevs", "Describe all bdevs, or the one named", p -> {
                p.allowOnly("name", "timeout");
                String name = p.string("name", null);
                if (name == null) {
                    List<Object> out = new ArrayList<>();
                    for (Bdev b : registry.bdevs()) {
                        out.add(BdevJson.bdev(b));
                    }
                    return out;
                }
                return List.of(BdevJson.bdev(await(registry, name, p.longValue("timeout", 0))));
            }),
            new Method("bdev_get_iostat", "I/O statistics of all bdevs, or the ones named", p -> {
                p.allowOnly("name", "names", "per_channel", "reset_mode");
                if (p.bool("per_channel", false)) {
                    throw RpcException.errno(RpcException.ENOTSUP, "Operation not supported: per_channel");
                }
                List<Bdev> bdevs = new ArrayList<>();
                if (p.has("name")) {
                    bdevs.add(find(registry, p.requiredString("name")));
                } else if (p.has("names")) {
                    for (Object n : p.list("names")) {
                        if (!(n instanceof String s)) {
                            throw RpcException.invalidParams("names must be strings");
                        }
                        bdevs.add(find(registry, s));
                    }
                } else {
                    bdevs.addAll(registry.bdevs());
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("tick_rate", 1_000_000_000L);
                out.put("ticks", System.nanoTime());
                List<Object> list = new ArrayList<>();
                for (Bdev b : bdevs) {
                    list.add(BdevJson.iostat(b));
                }
                out.put("bdevs", list);
                String reset = p.string("reset_mode", "none");
                if (!reset.equals("none")) {
                    if (!reset.equals("all") && !reset.equals("maxmin")) {
                        throw RpcException.invalidParams("reset_mode must be none, all or maxmin");
                    }
                    bdevs.forEach(b -> admin.resetStatistics(b.name()));
                }
                return out;
            }),
            new Method("bdev_reset_iostat", "Clear the I/O statistics of all bdevs, or the one named", p -> {
                p.allowOnly("name", "mode");
                String mode = p.string("mode", "all");
                if (!mode.equals("all") && !mode.equals("maxmin")) {
                    throw RpcException.invalidParams("mode must be all or maxmin");
                }
                List<Bdev> bdevs = p.has("name") ? List.of(find(registry, p.requiredString("name")))
                        : registry.bdevs();
                bdevs.forEach(b -> admin.resetStatistics(b.name()));
                return true;
            }),
            new Method("bdev_resize", "Change the size of a bdev (Karst: malloc, null, file); size in bytes or"
                    + " with a unit, e.g. \"2G\"", p -> {
                p.allowOnly("name", "size");
                String name = p.requiredString("name");
                Object size = p.asMap().get("size");
                if (size == null) {
                    throw RpcException.invalidParams("missing parameter size");
                }
                long bytes = size instanceof String s ? RpcErrors.call(() -> Sizes.parse(s))
                        : p.requiredLong("size");
                RpcErrors.call(() -> admin.resize(name, bytes));
                return true;
            }),
            new Method("bdev_null_resize", "Change the size of a null bdev; new_size in MiB", p -> {
                p.allowOnly("name", "new_size");
                String name = p.requiredString("name");
                long mib = p.requiredLong("new_size");
                requireType(admin, name, "null");
                if (mib <= 0 || mib > (Long.MAX_VALUE >> 20)) {
                    throw RpcException.invalidParams("new_size must be a positive number of MiB");
                }
                RpcErrors.call(() -> admin.resize(name, mib << 20));
                return true;
            }),
            new Method("bdev_set_options", "Accepted for configurations saved by SPDK; Karst has no such options",
                p -> true),
            new Method("bdev_wait_for_examine", "Returns once configured bdevs are registered (Karst stacks virtual"
                    + " bdevs as soon as their base appears)", p -> {
                p.allowOnly();
                return true;
            }));
    }

    /** The create and delete methods of one bdev type. */
    static List<Method> typeMethods(BdevType type, SpdkRpcMapping mapping, BdevRegistry registry, BdevAdmin admin) {
        Method create = new Method(mapping.createMethod(), "Create a " + type.name() + " bdev: "
                + type.description(), p -> {
            p.allowOnly(mapping.createParameters().toArray(String[]::new));
            String name;
            Map<String, String> params;
            try {
                name = mapping.nameOf(p.asMap());
                params = mapping.toParameters(p.asMap());
            } catch (IllegalArgumentException e) {
                throw RpcException.invalidParams(e.getMessage());
            }
            String chosen = name != null ? name : freeName(registry, admin, mapping.generatedNamePrefix());
            return RpcErrors.call(() -> admin.create(type.name(), chosen, params).name());
        });
        Method delete = new Method(mapping.deleteMethod(), "Delete a " + type.name() + " bdev", p -> {
            p.allowOnly("name");
            String name = p.requiredString("name");
            requireType(admin, name, type.name());
            RpcErrors.call(() -> {
                admin.delete(name);
                return null;
            });
            return true;
        });
        return List.of(create, delete);
    }

    private static void requireType(BdevAdmin admin, String name, String type) {
        String actual = admin.isConfigured(name) ? admin.configuration(name).get("type") : null;
        if (!type.equals(actual)) {
            throw RpcException.errno(RpcException.ENODEV, "No such device: no " + type + " bdev named " + name);
        }
    }

    private static String freeName(BdevRegistry registry, BdevAdmin admin, String prefix) {
        for (int i = 0; ; i++) {
            String n = prefix + i;
            if (registry.find(n).isEmpty() && !admin.isConfigured(n)) {
                return n;
            }
        }
    }

    private static Bdev find(BdevRegistry registry, String name) {
        return registry.find(name).orElseThrow(() -> RpcErrors.of(new BdevException(BdevException.Reason.NOT_FOUND,
                "no bdev named " + name)));
    }

    private static Bdev await(BdevRegistry registry, String name, long timeoutMillis) {
        long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000L;
        while (true) {
            var b = registry.find(name);
            if (b.isPresent()) {
                return b.get();
            }
            if (System.nanoTime() >= deadline) {
                throw RpcErrors.of(new BdevException(BdevException.Reason.NOT_FOUND, "no bdev named " + name));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RpcException.errno(RpcException.ETIMEDOUT, "interrupted");
            }
        }
    }
}
