package io.karst.fuse.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import io.karst.fuse.FuseFrontend;
import io.karst.status.StatusFileProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The FUSE frontend: mounts the file system as configured, keeps the exports, cleans a stale mount that a
 * crashed process left at the mount point, and unmounts on stop (also at JVM exit, should the framework not stop).
 */
@Component(service = FuseFrontend.class, configurationPid = FuseFrontend.PID, immediate = true)
@Designate(ocd = FuseConfig.class)
public final class FuseFrontendImpl implements FuseFrontend, BdevRegistry.Listener {
    private static final Logger LOG = Logger.getLogger(FuseFrontendImpl.class.getName());
    private static final int MNT_DETACH = 2;

    private final BdevRegistry registry;
    private final ConfigurationAdmin configAdmin;
    private final StatusTree status = new StatusTree();
    private final Map<String, Export> exports = new ConcurrentHashMap<>();
    private final Map<StatusFileProvider, Boolean> external = new ConcurrentHashMap<>();

    private Native nativeLib;
    private volatile FuseConfig config;
    private volatile Set<String> exportNames;
    private volatile boolean exportAll;
    private volatile Path mountPoint;
    private volatile String state = "unmounted";
    private volatile String detail = "";
    private volatile int threads;

    // the mount
    private FuseDevice device;
    private FuseSession session;
    private Namespace namespace;
    private int connection = -1;
    private Thread shutdownHook;

    @Activate
    public FuseFrontendImpl(@Reference BdevRegistry registry, @Reference ConfigurationAdmin configAdmin,
                            FuseConfig config) {
        this.registry = registry;
        this.configAdmin = configAdmin;
        BuiltinStatusFiles builtin = new BuiltinStatusFiles(registry, new FrontendView());
        status.add(builtin.proc(), Integer.MIN_VALUE);
        status.add(builtin.sys(), Integer.MIN_VALUE);
        apply(config);
        registry.addListener(this);
        if (config.enabled()) {
            mountNow();
        } else {
            state = "disabled";
        }
    }

    @Modified
    void modified(FuseConfig newConfig) {
        FuseConfig old = config;
        apply(newConfig);
        boolean remount = old.enabled() != newConfig.enabled() || !old.mount_point().equals(newConfig.mount_point())
                || old.threads() != newConfig.threads() || old.max_background() != newConfig.max_background()
                || old.max_write() != newConfig.max_write() || old.max_requests() != newConfig.max_requests()
                || old.allow_other() != newConfig.allow_other();
        synchronized (this) {
            if (remount || (newConfig.enabled() && session == null)) {
                unmountNow();
                if (newConfig.enabled()) {
                    mountNow();
                } else {
                    state = "disabled";
                    detail = "enabled = false in " + PID;
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        registry.removeListener(this);
        unmountNow();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addStatusFileProvider(StatusFileProvider provider, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        status.add(provider, ranking instanceof Integer i ? i : 0);
        external.put(provider, Boolean.TRUE);
    }

    void removeStatusFileProvider(StatusFileProvider provider) {
        status.remove(provider);
        external.remove(provider);
    }

    private void apply(FuseConfig c) {
        config = c;
        String ex = c.exports() == null ? "*" : c.exports().trim();
        exportAll = ex.isEmpty() || ex.equals("*");
        Set<String> names = new LinkedHashSet<>();
        if (!exportAll) {
            for (String s : ex.split(",")) {
                if (!s.isBlank()) {
                    names.add(s.trim());
                }
            }
        }
        exportNames = names;
        String mp = c.mount_point() == null ? "" : c.mount_point().trim();
        if (mp.isEmpty()) {
            String data = System.getProperty("karaf.data", "data");
            mountPoint = Path.of(data, "fuse").toAbsolutePath().normalize();
        } else {
            mountPoint = Path.of(mp).toAbsolutePath().normalize();
        }
        threads = c.threads() > 0 ? c.threads() : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    boolean exported(String name) {
        return (exportAll || exportNames.contains(name)) && registry.find(name).isPresent();
    }

    private Export export(String name) {
        if (!exported(name)) {
            return null;
        }
        return exports.computeIfAbsent(name, k -> new Export(k, registry, threads, this::resized));
    }

    private void resized(Export e) {
        FuseSession s = session;
        Namespace n = namespace;
        if (s != null && n != null) {
            Namespace.Node node = n.resolve("dev/" + e.name());
            if (node != null) {
                s.invalidate(node.id());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ mount

    private synchronized void mountNow() {
        if (session != null) {
            return;
        }
        Path target = mountPoint;
        FuseDevice dev = null;
        try {
            if (nativeLib == null) {
                nativeLib = Native.load();
            }
            cleanStaleMount(target);
            Files.createDirectories(target);
            dev = FuseDevice.open(nativeLib);
            int mode = Integer.parseInt(config.file_mode().trim(), 8) & 07777;
            FuseSession.Options options = new FuseSession.Options(threads, config.max_background(),
                    Math.max(4096, Math.min(config.max_write(), 1 << 20)) / 4096 * 4096, config.file_uid(),
                    config.file_gid(), mode, config.allow_other(), Math.max(0, config.attr_timeout_ms()),
                    Math.max(threads + 1, config.max_requests()));
            Namespace ns = new Namespace(this::exported, status);
            FuseSession s = new FuseSession(nativeLib, dev, ns, status, registry, this::export, options);
            dev.mount(target, "karst", nativeLib.c.getuid(), nativeLib.c.getgid(), config.allow_other());
            s.start(target.getFileName() == null ? "root" : target.getFileName().toString());
            device = dev;
            session = s;
            namespace = ns;
            connection = connectionOf(target);
            state = "mounted";
            detail = "connection " + connection;
            installShutdownHook(target);
            LOG.info("FUSE file system mounted at " + target);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (dev != null) {
                dev.close();
            }
            state = "failed";
            detail = e.getMessage();
            LOG.log(Level.WARNING, "FUSE file system not mounted at " + target + ": " + e.getMessage());
        }
    }

    private synchronized void unmountNow() {
        FuseSession s = session;
        FuseDevice dev = device;
        if (s == null) {
            return;
        }
        Path target = mountPoint;
        LibC c = nativeLib.c;
        String where = currentMountPoint(target);
        if (c.umount2(where, 0) < 0) {
            int e = nativeLib.errno();
            if (e == Errno.EBUSY) {
                // files are still open (a loop device, a process): detach now, and end the connection below
                c.umount2(where, MNT_DETACH);
                abortConnection();
            } else if (e != Errno.EINVAL && e != Errno.ENOENT) {
                LOG.warning("unmounting " + where + ": " + nativeLib.strerror(e));
                c.umount2(where, MNT_DETACH);
            }
        }
        boolean quiet = s.stop(config.stop_timeout_ms());
        if (quiet) {
            dev.close();
        } else {
            LOG.warning("I/O still in flight after " + config.stop_timeout_ms() + " ms; /dev/fuse is left open");
        }
        session = null;
        device = null;
        namespace = null;
        state = "unmounted";
        detail = "";
        removeShutdownHook();
        LOG.info("FUSE file system unmounted from " + where);
    }

    private String currentMountPoint(Path target) {
        return target.toString();
    }

    private void abortConnection() {
        if (connection < 0) {
            return;
        }
        Path abort = Path.of("/sys/fs/fuse/connections", Integer.toString(connection), "abort");
        try {
            if (Files.exists(abort)) {
                Files.writeString(abort, "1");
            }
        } catch (IOException e) {
            LOG.fine("cannot abort FUSE connection " + connection + ": " + e.getMessage());
        }
    }

    private static int connectionOf(Path target) {
        try {
            List<MountTable.Mount> at = MountTable.at(MountTable.read(), target);
            for (int i = at.size() - 1; i >= 0; i--) {
                if (at.get(i).type().equals(FuseDevice.FS_TYPE)) {
                    return at.get(i).minor();
                }
            }
        } catch (IOException e) {
            LOG.fine("cannot read the mount table: " + e.getMessage());
        }
        return -1;
    }

    /**
     * A FUSE mount already at the target: one whose daemon is gone (a crashed JVM: every access fails with ENOTCONN)
     * is detached; a live one belongs to someone else and is left alone (this mount then fails).
     */
    private void cleanStaleMount(Path target) throws IOException {
        List<MountTable.Mount> at = MountTable.at(MountTable.read(), target);
        for (int i = at.size() - 1; i >= 0; i--) {
            MountTable.Mount m = at.get(i);
            if (!m.type().startsWith("fuse")) {
                continue;
            }
            int r = nativeLib.c.access(target.toString(), 0);
            int e = r < 0 ? nativeLib.errno() : 0;
            if (e == Errno.ENOTCONN) {
                if (nativeLib.c.umount2(target.toString(), MNT_DETACH) < 0) {
                    int ue = nativeLib.errno();
                    throw new IOException("a stale FUSE mount (" + m.type() + ") is at " + target
                            + " and cannot be removed: " + nativeLib.strerror(ue));
                }
                LOG.warning("removed a stale FUSE mount (" + m.type() + ", " + m.source() + ") at " + target
                        + ", left by a process that ended without unmounting");
            } else {
                throw new IOException(target + " is in use by a live " + m.type() + " file system"
                        + (m.type().equals(FuseDevice.FS_TYPE) ? " (another Karst instance?)" : ""));
            }
        }
    }

    private void installShutdownHook(Path target) {
        removeShutdownHook();
        LibC c = nativeLib.c;
        String where = target.toString();
        Thread hook = new Thread(() -> {
            if (session != null) {
                c.umount2(where, MNT_DETACH);
            }
        }, "karst-fuse-unmount");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            shutdownHook = hook;
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting already
        }
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs (harmlessly) or ran
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ registry

    @Override
    public void bdevAdded(Bdev bdev) {
    }

    @Override
    public void bdevRemoved(Bdev bdev) {
        exports.computeIfPresent(bdev.name(), (k, e) -> e.readOpens() + e.writeOpens() == 0 ? null : e);
    }

    // ------------------------------------------------------------------------------------------------ service

    @Override
    public Status status() {
        FuseSession s = session;
        FuseConfig c = config;
        String st = state;
        String d = detail;
        if (s != null && s.ended() != null) {
            st = "failed";
            d = "connection ended: " + s.ended();
        }
        return new Status(mountPoint.toString(), st, d, exportAll ? List.of("*") : List.copyOf(exportNames), threads,
                c.max_background(), c.max_write(), s == null ? 0 : s.requests.get(), s == null ? 0 : s.openFiles(),
                s == null ? 0 : s.buffersInUse());
    }

    @Override
    public List<FileInfo> files() {
        List<FileInfo> out = new ArrayList<>();
        for (Bdev b : registry.bdevs()) {
            if (!exported(b.name()) || b.name().indexOf('/') >= 0) {
                continue;
            }
            Export e = exports.get(b.name());
            out.add(e == null
                    ? new FileInfo(b.name(), "dev/" + b.name(), b.readOnly(), b.sizeBytes(), 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0)
                    : new FileInfo(b.name(), "dev/" + b.name(), b.readOnly(), b.sizeBytes(), e.readOpens(),
                            e.writeOpens(), e.inFlight.get(), e.maxInFlight.get(), e.reads.get(), e.writes.get(),
                            e.bytesRead.get(), e.bytesWritten.get(), e.flushes.get(), e.errors.get(),
                            e.refusedOpens.get()));
        }
        return out;
    }

    @Override
    public void mount(String newMountPoint) {
        Map<String, Object> changes = new java.util.HashMap<>();
        changes.put("enabled", Boolean.TRUE);
        if (newMountPoint != null && !newMountPoint.isBlank()) {
            changes.put("mount.point", Path.of(newMountPoint).toAbsolutePath().normalize().toString());
        }
        updateConfiguration(changes);
    }

    @Override
    public void unmount() {
        updateConfiguration(Map.of("enabled", Boolean.FALSE));
    }

    @Override
    public void setExports(List<String> names) {
        for (String n : names) {
            if (n.isBlank() || n.contains(",") || n.contains("/")) {
                throw new IllegalArgumentException("not a bdev name: '" + n + "'");
            }
        }
        String value = names.isEmpty() || names.contains("*") ? "*" : String.join(",", names);
        updateConfiguration(Map.of("exports", value));
    }

    @Override
    public void resetMaxInFlight() {
        exports.values().forEach(Export::resetMaxInFlight);
    }

    private void updateConfiguration(Map<String, Object> changes) {
        try {
            Configuration cfg = configAdmin.getConfiguration(PID, "?");
            Dictionary<String, Object> props = cfg.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            for (Map.Entry<String, Object> e : changes.entrySet()) {
                props.put(e.getKey(), e.getValue());
            }
            cfg.update(props);
        } catch (IOException e) {
            throw new IllegalStateException("cannot update the configuration " + PID + ": " + e.getMessage(), e);
        }
    }

    /** What the built-in status files show of this frontend. */
    private final class FrontendView implements BuiltinStatusFiles.Frontend {
        @Override
        public String mountPoint() {
            return FuseFrontendImpl.this.mountPoint.toString();
        }

        @Override
        public String state() {
            return status().state();
        }

        @Override
        public Optional<Export> export(String bdev) {
            return Optional.ofNullable(exports.get(bdev));
        }

        @Override
        public boolean exported(String bdev) {
            return FuseFrontendImpl.this.exported(bdev);
        }

        @Override
        public List<Export> exports() {
            List<Export> out = new ArrayList<>(exports.values());
            out.sort((a, b) -> a.name().compareTo(b.name()));
            return out;
        }

        @Override
        public int threads() {
            return threads;
        }

        @Override
        public int maxBackground() {
            return config.max_background();
        }

        @Override
        public int maxWrite() {
            return config.max_write();
        }

        @Override
        public long requests() {
            FuseSession s = session;
            return s == null ? 0 : s.requests.get();
        }
    }

    static List<String> split(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
