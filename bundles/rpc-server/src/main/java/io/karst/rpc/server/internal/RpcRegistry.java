package io.karst.rpc.server.internal;

import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The methods and configuration sources of the server: a whiteboard of {@link RpcMethod} and
 * {@link RpcConfigSource} services (they come and go with their bundles) plus the framework's own methods
 * ({@code rpc_get_methods}, {@code spdk_get_version}, {@code framework_get_subsystems}, {@code framework_get_config},
 * {@code save_config}, {@code load_config}). The socket server, the {@code rpc:*} commands and anything else that
 * calls methods in-process go through {@link #call}.
 */
@Component(service = RpcRegistry.class, immediate = true)
public final class RpcRegistry {
    private static final System.Logger LOG = System.getLogger(RpcRegistry.class.getName());
    private static final String SELF = "io.karst.rpc.server";

    /** What {@code rpc:methods} shows of a method. */
    public record MethodInfo(String name, String description, String owner) {
    }

    private final MethodTable table = new MethodTable();
    private final Map<RpcConfigSource, ConfigView.Subsystem> sources = new ConcurrentHashMap<>();
    /** Methods registered by service, by service object (to unregister them by the name they had). */
    private final Map<RpcMethod, String> methodNames = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private final Object loading = new Object();
    private final String version;

    @Activate
    public RpcRegistry(BundleContext context) {
        this(context == null ? null : context.getBundle().getHeaders().get("Karst-Version"));
    }

    /** For tests: a registry with the built-in methods and no OSGi around it. */
    RpcRegistry(String karstVersion) {
        this.version = karstVersion == null || karstVersion.isBlank() ? "0.0.0" : karstVersion;
        for (RpcMethod m : builtins()) {
            table.add(new MethodTable.Entry(m.name(), m, SELF, -1));
        }
    }

    // ------------------------------------------------------------------ whiteboard

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addMethod(ServiceReference<RpcMethod> ref, RpcMethod method) {
        addMethod(method, owner(ref), serviceId(ref));
    }

    void removeMethod(ServiceReference<RpcMethod> ref, RpcMethod method) {
        removeMethod(method);
    }

    void addMethod(RpcMethod method, String owner, long registration) {
        String name;
        try {
            name = method.name();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC method service of " + owner + " has no usable name", e);
            return;
        }
        if (name == null || name.isBlank()) {
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC method service of {0} has no name: ignored", owner);
            return;
        }
        methodNames.put(method, name);
        table.add(new MethodTable.Entry(name, method, owner, registration));
        signal();
    }

    void removeMethod(RpcMethod method) {
        String name = methodNames.remove(method);
        if (name != null) {
            table.remove(name, method);
            signal();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addConfigSource(ServiceReference<RpcConfigSource> ref, RpcConfigSource source) {
        addConfigSource(source, owner(ref), serviceId(ref));
    }

    void removeConfigSource(ServiceReference<RpcConfigSource> ref, RpcConfigSource source) {
        removeConfigSource(source);
    }

    void addConfigSource(RpcConfigSource source, String owner, long registration) {
        String name;
        int order;
        List<String> deps;
        try {
            name = source.subsystem();
            order = source.order();
            deps = source.dependsOn() == null ? List.of() : List.copyOf(source.dependsOn());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "configuration source of " + owner + " is unusable", e);
            return;
        }
        if (name == null || name.isBlank()) {
            LOG.log(System.Logger.Level.ERROR, "configuration source of {0} has no subsystem name: ignored", owner);
            return;
        }
        for (ConfigView.Subsystem s : sources.values()) {
            if (s.name().equals(name)) {
                LOG.log(System.Logger.Level.WARNING, "subsystem {0} registered by both {1} and {2}: the first"
                        + " registered serves it", name, s.owner(), owner);
            }
        }
        sources.put(source, new ConfigView.Subsystem(name, order, deps, source, owner, registration));
        signal();
    }

    void removeConfigSource(RpcConfigSource source) {
        sources.remove(source);
        signal();
    }

    private static String owner(ServiceReference<?> ref) {
        return ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName();
    }

    private static long serviceId(ServiceReference<?> ref) {
        Object id = ref.getProperty(Constants.SERVICE_ID);
        return id instanceof Long l ? l : Long.MAX_VALUE;
    }

    private void signal() {
        synchronized (changes) {
            changes.notifyAll();
        }
    }

    // ------------------------------------------------------------------ calls

    /**
     * Runs a method.
     *
     * @param params the named parameters, or {@code null} for none
     * @throws RpcException the method's error, or {@code -32601 "Method not found"}
     */
    public Object call(String method, Map<String, Object> params) {
        MethodTable.Entry entry = table.get(method).orElseThrow(
                () -> new RpcException(RpcException.METHOD_NOT_FOUND, JsonRpcProtocol.METHOD_NOT_FOUND, method, null));
        return entry.method().call(RpcParams.of(params));
    }

    public boolean hasMethod(String name) {
        return table.contains(name);
    }

    /** Every method, sorted by name. */
    public List<MethodInfo> methods() {
        List<MethodInfo> out = new ArrayList<>();
        for (MethodTable.Entry e : table.snapshot().values()) {
            String description;
            try {
                description = e.method().description();
            } catch (RuntimeException ex) {
                description = "";
            }
            out.add(new MethodInfo(e.name(), description == null ? "" : description, e.owner()));
        }
        return out;
    }

    /**
     * Waits until every named method is registered.
     *
     * @return the names still missing when the time was up (empty: all there)
     */
    public Set<String> awaitMethods(Collection<String> names, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            while (true) {
                Set<String> missing = new java.util.LinkedHashSet<>();
                for (String n : names) {
                    if (!table.contains(n)) {
                        missing.add(n);
                    }
                }
                long left = deadline - System.nanoTime();
                if (missing.isEmpty() || left <= 0) {
                    return missing;
                }
                changes.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    // ------------------------------------------------------------------ configuration view

    List<ConfigView.Subsystem> subsystems() {
        return ConfigView.ordered(new ArrayList<>(sources.values()));
    }

    private ConfigView.Subsystem subsystem(String name) {
        return subsystems().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** The whole configuration ({@code save_config}). */
    public Map<String, Object> saveConfig() {
        return ConfigView.document(subsystems());
    }

    /**
     * Loads a configuration document: see {@link ConfigView#apply}. One load runs at a time.
     *
     * @param waitForMethods how long to wait for methods the document calls that are not registered (yet)
     * @return the report, if every call was applied or skipped
     * @throws RpcException {@code -32602} for a malformed document (nothing applied); otherwise the code of the
     *     first failed call, the summary as message and the report as data
     */
    public Map<String, Object> loadConfig(Object document, Duration waitForMethods) {
        List<ConfigView.Step> steps = ConfigView.steps(document);
        synchronized (loading) {
            if (!waitForMethods.isZero() && !waitForMethods.isNegative()) {
                try {
                    awaitMethods(ConfigView.methods(steps), waitForMethods);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RpcException(-RpcException.ETIMEDOUT, "interrupted while waiting for methods");
                }
            }
            Map<String, Object> report = ConfigView.apply(steps, new ConfigView.Target() {
                @Override
                public List<RpcCall> current(String name) {
                    ConfigView.Subsystem s = subsystem(name);
                    return s == null ? List.of() : s.source().calls();
                }

                @Override
                public Object call(String method, Map<String, Object> params) {
                    try {
                        return RpcRegistry.this.call(method, params);
                    } catch (RpcException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "JSON-RPC method " + method + " failed while loading a"
                                + " configuration", e);
                        throw new RpcException(RpcException.INTERNAL_ERROR, JsonRpcProtocol.INTERNAL_ERROR + ": "
                                + e.getClass().getSimpleName() + " (see the Karst log)");
                    }
                }
            });
            int failed = (Integer) report.get("failed");
            if (failed > 0) {
                int code = RpcException.INTERNAL_ERROR;
                for (Object c : (List<?>) report.get("calls")) {
                    if (c instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> e
                            && e.get("code") instanceof Integer i) {
                        code = i;
                        break;
                    }
                }
                throw new RpcException(code, "load_config: " + ConfigView.summary(report, steps), report, null);
            }
            return report;
        }
    }

    // ------------------------------------------------------------------ built-in methods

    private List<RpcMethod> builtins() {
        return List.of(
                method("rpc_get_methods", "Names of the methods this server offers", p -> {
                    p.allowOnly("current", "include_aliases");
                    p.bool("current", false);
                    p.bool("include_aliases", false);
                    return new ArrayList<>(table.snapshot().keySet());
                }),
                method("spdk_get_version", "Version of the server (Karst)", p -> {
                    p.allowOnly();
                    return versionInfo(version);
                }),
                method("framework_get_subsystems", "Subsystems with configuration, in load order, with dependencies",
                        p -> {
                            p.allowOnly();
                            return ConfigView.subsystemsJson(subsystems());
                        }),
                method("framework_get_config", "Configuration of one subsystem as the calls that recreate it", p -> {
                    p.allowOnly("name", "with_batches");
                    String name = p.requiredString("name");
                    p.bool("with_batches", false);
                    ConfigView.Subsystem s = subsystem(name);
                    if (s == null) {
                        throw RpcException.invalidParams("Subsystem '" + name + "' not found");
                    }
                    return ConfigView.configJson(s);
                }),
                method("save_config", "The whole configuration in SPDK's JSON configuration format", p -> {
                    p.allowOnly();
                    return saveConfig();
                }),
                method("load_config", "Applies a configuration in SPDK's JSON format (params: the document); calls"
                        + " already in effect are skipped", p -> {
                    p.allowOnly("subsystems", "wait_ms");
                    p.list("subsystems");
                    long wait = p.longValue("wait_ms", 0);
                    Map<String, Object> doc = new LinkedHashMap<>(p.asMap());
                    doc.remove("wait_ms");
                    return loadConfig(doc, Duration.ofMillis(Math.max(0, wait)));
                }));
    }

    /** {@code spdk_get_version}'s shape: {@code {"version": "Karst v0.1.0", "fields": {major, minor, patch, suffix}}}. */
    static Map<String, Object> versionInfo(String version) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(.*)")
                .matcher(version);
        Map<String, Object> fields = new LinkedHashMap<>();
        if (m.matches()) {
            fields.put("major", Integer.parseInt(m.group(1)));
            fields.put("minor", m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
            fields.put("patch", m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
            fields.put("suffix", m.group(4));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", "Karst v" + version);
        out.put("fields", fields);
        return out;
    }

    private static RpcMethod method(String name, String description, Function<RpcParams, Object> body) {
        return new RpcMethod() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Object call(RpcParams params) {
                return body.apply(params);
            }
        };
    }

    /** The subsystem names, for messages and completion. */
    public List<String> subsystemNames() {
        List<String> names = new ArrayList<>();
        subsystems().forEach(s -> names.add(s.name()));
        return names;
    }

    /** One subsystem's configuration ({@code framework_get_config}). */
    public List<Object> config(String name) {
        ConfigView.Subsystem s = subsystem(name);
        if (s == null) {
            throw RpcException.invalidParams("Subsystem '" + name + "' not found");
        }
        return ConfigView.configJson(s);
    }

    /** For tests. */
    TreeMap<String, MethodTable.Entry> table() {
        return table.snapshot();
    }
}
