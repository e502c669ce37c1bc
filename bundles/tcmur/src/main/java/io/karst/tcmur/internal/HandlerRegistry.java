package io.karst.tcmur.internal;

import io.karst.tcmur.TcmurHandler;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The handlers the host can use, by subtype: Java handlers registered as {@link TcmurHandler} services (the
 * whiteboard: a handler bundle dropped into {@code deploy/} appears here at once) and native handlers found in the
 * handler directories ({@code handler_*.so}, rescanned every few seconds). Devices subscribe to their subtype and
 * are opened when it appears and hot-removed when it goes.
 *
 * <p>Configuration ({@code etc/io.karst.tcmur.cfg}): {@code handler.dirs} (comma-separated; default Debian's
 * {@code /usr/lib/x86_64-linux-gnu/tcmu-runner} and {@code <karaf.base>/handlers}), {@code scan.interval.ms}
 * (default 2000; 0 scans only at start).
 */
@Component(service = HandlerRegistry.class, configurationPid = HandlerRegistry.PID, immediate = true)
public final class HandlerRegistry {
    public static final String PID = "io.karst.tcmur";
    static final String DEBIAN_DIR = "/usr/lib/x86_64-linux-gnu/tcmu-runner";
    private static final System.Logger LOG = System.getLogger(HandlerRegistry.class.getName());

    /** Told when a subtype's handler appears or goes. */
    interface Listener {
        String subtype();

        void handlerAdded(HandlerBackend handler);

        void handlerRemoved(HandlerBackend handler);
    }

    private final Object lock = new Object();
    /** Active handler per subtype. */
    private final Map<String, HandlerBackend> active = new LinkedHashMap<>();
    /** Handlers whose subtype another handler already serves (they take over when it goes). */
    private final List<HandlerBackend> standby = new ArrayList<>();
    private final Map<TcmurHandler, JavaHandlerBackend> javaHandlers = new HashMap<>();
    /** Native handlers by .so path, and whether the file is present. */
    private final Map<String, NativeHandlerBackend> nativeByPath = new HashMap<>();
    private final Map<String, String> nativeProblems = new LinkedHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<HandlerBackend, List<String>> devices = new HashMap<>();

    private volatile NativeHost nativeHost;
    private volatile String nativeProblem;
    private List<Path> dirs = List.of();
    private ScheduledExecutorService scanner;

    /** For DS. */
    public HandlerRegistry() {
    }

    /** For tests: a registry with a loaded native host (or none) and the given directories. */
    HandlerRegistry(NativeHost host, List<Path> dirs) {
        this.nativeHost = host;
        this.dirs = dirs;
    }

    @Activate
    void activate(BundleContext ctx, Map<String, Object> config) {
        String base = System.getProperty("karaf.base", System.getProperty("karaf.home"));
        String dflt = DEBIAN_DIR + (base != null ? "," + Path.of(base, "handlers") : "");
        Object d = config.get("handler.dirs");
        List<Path> list = new ArrayList<>();
        for (String s : (d == null ? dflt : d.toString()).split(",")) {
            if (!s.isBlank()) {
                list.add(Path.of(s.trim()));
            }
        }
        dirs = List.copyOf(list);
        long interval = Long.parseLong(String.valueOf(config.getOrDefault("scan.interval.ms", "2000")).trim());
        try {
            java.io.File data = ctx.getDataFile("native");
            Path dir = data != null ? data.toPath() : Files.createTempDirectory("karst-tcmur-native");
            nativeHost = NativeHost.load(dir);
        } catch (IOException | RuntimeException | LinkageError e) {
            nativeProblem = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "tcmur: native handlers unavailable: " + e.getMessage());
        }
        scan();
        if (interval > 0) {
            scanner = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "karst-tcmur-handler-scan");
                t.setDaemon(true);
                return t;
            });
            scanner.scheduleWithFixedDelay(this::scanQuietly, interval, interval, TimeUnit.MILLISECONDS);
        }
    }

    @Deactivate
    void deactivate() {
        if (scanner != null) {
            scanner.shutdownNow();
        }
        List<HandlerBackend> all;
        synchronized (lock) {
            all = new ArrayList<>(active.values());
            active.clear();
            standby.clear();
        }
        for (HandlerBackend h : all) {
            notifyRemoved(h);
        }
        NativeHost h = nativeHost;
        if (h != null) {
            h.stop();
        }
    }

    // ---- Java handlers (whiteboard)

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHandler(TcmurHandler handler, ServiceReference<TcmurHandler> ref) {
        Bundle b = ref.getBundle();
        String origin = b == null ? "service" : "bundle " + b.getSymbolicName() + " " + b.getVersion();
        addJavaHandler(handler, origin);
    }

    void removeHandler(TcmurHandler handler) {
        removeJavaHandler(handler);
    }

    void addJavaHandler(TcmurHandler handler, String origin) {
        JavaHandlerBackend jb = new JavaHandlerBackend(handler, origin);
        synchronized (lock) {
            javaHandlers.put(handler, jb);
        }
        add(jb);
    }

    void removeJavaHandler(TcmurHandler handler) {
        JavaHandlerBackend jb;
        synchronized (lock) {
            jb = javaHandlers.remove(handler);
        }
        if (jb != null) {
            remove(jb);
        }
    }

    private void add(HandlerBackend h) {
        String subtype = h.subtype();
        if (subtype == null || subtype.isEmpty() || subtype.contains("/")) {
            LOG.log(System.Logger.Level.ERROR, "tcmur: handler from {0} has an unusable subtype ''{1}''; ignored",
                    h.origin(), subtype);
            return;
        }
        synchronized (lock) {
            if (active.containsKey(subtype)) {
                standby.add(h);
                LOG.log(System.Logger.Level.WARNING, "tcmur: subtype {0} of {1} is already served by {2}; kept in"
                        + " standby", subtype, h.origin(), active.get(subtype).origin());
                return;
            }
            active.put(subtype, h);
        }
        LOG.log(System.Logger.Level.INFO, "tcmur: handler {0} ({1}, nr_threads {2}) from {3}", subtype, h.name(),
                h.nrThreads(), h.origin());
        for (Listener l : listeners) {
            if (l.subtype().equals(subtype)) {
                l.handlerAdded(h);
            }
        }
    }

    private void remove(HandlerBackend h) {
        HandlerBackend successor = null;
        synchronized (lock) {
            if (standby.remove(h)) {
                return;
            }
            if (active.get(h.subtype()) != h) {
                return;
            }
            active.remove(h.subtype());
            for (HandlerBackend s : standby) {
                if (s.subtype().equals(h.subtype())) {
                    successor = s;
                    break;
                }
            }
            if (successor != null) {
                standby.remove(successor);
            }
        }
        LOG.log(System.Logger.Level.INFO, "tcmur: handler {0} from {1} removed; its devices go", h.subtype(),
                h.origin());
        notifyRemoved(h);
        if (successor != null) {
            add(successor);
        }
    }

    private void notifyRemoved(HandlerBackend h) {
        for (Listener l : listeners) {
            if (l.subtype().equals(h.subtype())) {
                l.handlerRemoved(h);
            }
        }
    }

    // ---- native handlers

    private void scanQuietly() {
        try {
            scan();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcmur: handler directory scan failed", e);
        }
    }

    /** Loads new {@code handler_*.so} files and withdraws handlers whose file went. */
    void scan() {
        NativeHost host = nativeHost;
        if (host == null) {
            return;
        }
        Map<String, Boolean> seen = new HashMap<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "handler_*.so")) {
                for (Path p : ds) {
                    String path;
                    try {
                        path = p.toRealPath().toString();
                    } catch (IOException e) {
                        continue;
                    }
                    seen.put(path, true);
                    loadNative(host, path);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tcmur: cannot list {0}: {1}", dir, e.getMessage());
            }
        }
        List<NativeHandlerBackend> gone = new ArrayList<>();
        synchronized (lock) {
            nativeByPath.entrySet().removeIf(e -> {
                if (!seen.containsKey(e.getKey())) {
                    gone.add(e.getValue());
                    return true;
                }
                return false;
            });
            nativeProblems.keySet().removeIf(p -> !seen.containsKey(p));
        }
        gone.forEach(this::remove);
    }

    /** Loads one {@code .so} (a file loaded before in this JVM is reused: handlers are never unloaded). */
    String loadNative(NativeHost host, String path) {
        synchronized (lock) {
            if (nativeByPath.containsKey(path)) {
                return null;
            }
            if (nativeProblems.containsKey(path)) {
                return nativeProblems.get(path);
            }
        }
        byte[] err = new byte[1024];
        int idx = host.lib.kt_load_handler(path, err, err.length);
        if (idx < 0) {
            String why = NativeLib.cString(err);
            synchronized (lock) {
                nativeProblems.put(path, why);
            }
            LOG.log(System.Logger.Level.ERROR, "tcmur: cannot load handler {0}: {1}", path, why);
            return why;
        }
        NativeHandlerBackend nb = new NativeHandlerBackend(host, idx);
        synchronized (lock) {
            nativeByPath.put(path, nb);
        }
        add(nb);
        return null;
    }

    // ---- queries and subscriptions

    HandlerBackend handler(String subtype) {
        synchronized (lock) {
            return active.get(subtype);
        }
    }

    /** Subscribes; if the subtype is served already, the listener is told at once. */
    void subscribe(Listener l) {
        listeners.add(l);
        HandlerBackend h = handler(l.subtype());
        if (h != null) {
            l.handlerAdded(h);
        }
    }

    void unsubscribe(Listener l) {
        listeners.remove(l);
    }

    void deviceOpened(HandlerBackend h, String name) {
        synchronized (lock) {
            devices.computeIfAbsent(h, k -> new ArrayList<>()).add(name);
        }
    }

    void deviceClosed(HandlerBackend h, String name) {
        synchronized (lock) {
            List<String> l = devices.get(h);
            if (l != null) {
                l.remove(name);
                if (l.isEmpty()) {
                    devices.remove(h);
                }
            }
        }
    }

    /** One handler as {@code tcmur:handlers} shows it. */
    public record HandlerInfo(String subtype, String name, String origin, boolean nativeHandler, int nrThreads,
                              String operations, String cfgDesc, List<String> devices, boolean active) {
    }

    public List<HandlerInfo> handlers() {
        List<HandlerInfo> out = new ArrayList<>();
        synchronized (lock) {
            for (HandlerBackend h : active.values()) {
                out.add(info(h, true));
            }
            for (HandlerBackend h : standby) {
                out.add(info(h, false));
            }
        }
        return out;
    }

    private HandlerInfo info(HandlerBackend h, boolean isActive) {
        List<String> devs = devices.getOrDefault(h, List.of());
        return new HandlerInfo(h.subtype(), h.name(), h.origin(), h.isNative(), h.nrThreads(),
                h.operations().toString().toLowerCase(java.util.Locale.ROOT).replace("[", "").replace("]", ""),
                h.cfgDesc(), List.copyOf(devs), isActive);
    }

    /** Files that could not be loaded, with the reason. */
    public Map<String, String> problems() {
        synchronized (lock) {
            Map<String, String> m = new LinkedHashMap<>(nativeProblems);
            if (nativeProblem != null) {
                m.put("(native host)", nativeProblem);
            }
            return m;
        }
    }

    public List<Path> directories() {
        return dirs;
    }

    /** Rescans the handler directories now. */
    public void rescan() {
        scan();
    }
}
