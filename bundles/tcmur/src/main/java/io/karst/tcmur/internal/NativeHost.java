package io.karst.tcmur.internal;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;

/**
 * The native host library, loaded once for the life of the JVM: it is copied to a fixed path (per library version)
 * and loaded from there, so a new revision of this bundle finds the library (and the handlers it loaded) already
 * in the process and reuses them; handlers are never unloaded. Native code never calls Java: a pump thread of the
 * current bundle revision drains the library's completion and log queues, and stops (woken) when the revision
 * stops.
 */
final class NativeHost {
    static final String LIBRARY = "karsttcmur";
    static final int VERSION = 1;
    /** JVM-wide marker of the loaded library's path (system properties outlive bundle class loaders). */
    private static final String LOADED_PROPERTY = "io.karst.tcmur.native.library";
    private static final System.Logger LOG = System.getLogger(NativeHost.class.getName());
    private static final System.Logger HANDLER_LOG = System.getLogger("io.karst.tcmur.handler");

    final NativeLib lib;
    private final MemoryIO memory = MemoryIO.getInstance();
    /** Devices by id, for routing asynchronous completions (token = id << 32 | slot). */
    private final Map<Integer, TcmurBdev> devices = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Thread pump;
    private volatile boolean stopping;
    private long droppedSeen;
    private long droppedReported = System.nanoTime() - 20_000_000_000L;

    private NativeHost(NativeLib lib) {
        this.lib = lib;
        this.pump = new Thread(this::pumpLoop, "karst-tcmur-native-events");
        this.pump.setDaemon(true);
    }

    /** The resource path of the library inside the bundle (and on the class path). */
    static String resourcePath() {
        return "native/linux-" + System.getProperty("os.arch").toLowerCase(Locale.ROOT) + "/lib" + LIBRARY + ".so";
    }

    /**
     * Loads the library: from {@code dir} when this JVM has not loaded it yet (copying it out of the bundle
     * first), else the copy already loaded.
     */
    static synchronized NativeHost load(Path dir) throws IOException {
        String loaded = System.getProperty(LOADED_PROPERTY);
        Path target;
        if (loaded != null) {
            target = Path.of(loaded);
        } else {
            Files.createDirectories(dir);
            target = dir.resolve("lib" + LIBRARY + "-" + VERSION + ".so");
            Path tmp = Files.createTempFile(dir, "lib" + LIBRARY, ".tmp");
            try (InputStream in = NativeHost.class.getClassLoader().getResourceAsStream(resourcePath())) {
                if (in == null) {
                    throw new IOException("no native host library for this machine (" + resourcePath() + ")");
                }
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                // a fresh name-for-content file is never overwritten while mapped: rename over it atomically
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        NativeLib lib;
        try {
            lib = LibraryLoader.create(NativeLib.class).failImmediately().load(target.toString());
        } catch (LinkageError | RuntimeException e) {
            throw new IOException("cannot load the native host library " + target + ": " + e.getMessage(), e);
        }
        int v = lib.kt_version();
        if (v != VERSION) {
            throw new IOException("the native host library loaded in this JVM is version " + v + ", this bundle needs "
                    + VERSION + ": restart Karst to use native handlers");
        }
        byte[] err = new byte[512];
        if (lib.kt_init(err, err.length) != 0) {
            throw new IOException("native host library: " + NativeLib.cString(err));
        }
        System.setProperty(LOADED_PROPERTY, target.toString());
        // handlers log every command at debug level: format them only when somebody reads them
        lib.kt_set_log_level(HANDLER_LOG.isLoggable(System.Logger.Level.TRACE) ? 8
                : HANDLER_LOG.isLoggable(System.Logger.Level.DEBUG) ? 7 : 6);
        NativeHost host = new NativeHost(lib);
        host.pump.start();
        return host;
    }

    int register(TcmurBdev device) {
        int id = nextId.getAndIncrement();
        devices.put(id, device);
        return id;
    }

    void unregister(int id) {
        devices.remove(id);
    }

    long address(ByteBuffer direct) {
        return memory.getDirectBufferAddress(direct);
    }

    ByteBuffer wrap(long address, int size) {
        return memory.newDirectByteBuffer(address, size).order(ByteOrder.nativeOrder());
    }

    private void pumpLoop() {
        long[] done = new long[2 * 256];
        ByteBuffer rec = ByteBuffer.allocateDirect(1024);
        long[] dropped = new long[1];
        while (!stopping) {
            int flags = lib.kt_wait(1000);
            if ((flags & 1) != 0) {
                int n;
                while ((n = lib.kt_take_done(done, 256)) > 0) {
                    for (int i = 0; i < n; i++) {
                        complete(done[2 * i], (int) done[2 * i + 1]);
                    }
                }
            }
            if ((flags & 2) != 0) {
                int len;
                while ((len = lib.kt_take_log(rec, rec.capacity(), dropped)) > 0) {
                    log(rec, len);
                }
                long now = System.nanoTime();
                if (dropped[0] != droppedSeen && now - droppedReported > 10_000_000_000L) {
                    droppedReported = now;
                    LOG.log(System.Logger.Level.WARNING, "tcmur handlers: {0} log records dropped (queue full)",
                            dropped[0] - droppedSeen);
                    droppedSeen = dropped[0];
                }
            }
        }
    }

    private void complete(long token, int status) {
        TcmurBdev d = devices.get((int) (token >>> 32));
        Request r = d == null ? null : d.request((int) token);
        if (r == null) {
            LOG.log(System.Logger.Level.ERROR, "tcmur: completion for an unknown command (token {0})", token);
            return;
        }
        r.handlerComplete(status);
    }

    private void log(ByteBuffer rec, int len) {
        int level = rec.order(ByteOrder.nativeOrder()).getInt(0);
        int p = 4;
        int devEnd = p;
        while (devEnd < len && rec.get(devEnd) != 0) {
            devEnd++;
        }
        String dev = string(rec, p, devEnd);
        int textEnd = devEnd + 1;
        while (textEnd < len && rec.get(textEnd) != 0) {
            textEnd++;
        }
        String text = string(rec, devEnd + 1, textEnd);
        String where = dev.isEmpty() ? "tcmur handler" : "tcmur " + dev;
        switch (level) {
            case 100 -> event(dev, io.karst.tcmur.TcmurEvent.LOCK_LOST, where, text);
            case 101 -> event(dev, io.karst.tcmur.TcmurEvent.CMD_TIMED_OUT, where, text);
            default -> HANDLER_LOG.log(level(level), where + ": " + text);
        }
    }

    private void event(String dev, io.karst.tcmur.TcmurEvent event, String where, String text) {
        HANDLER_LOG.log(System.Logger.Level.WARNING, where + ": " + text);
        for (TcmurBdev d : devices.values()) {
            if (d.name().equals(dev) && d.device instanceof NativeDeviceBackend n) {
                n.reportEvent(event);
            }
        }
    }

    private static String string(ByteBuffer b, int from, int to) {
        byte[] a = new byte[Math.max(0, to - from)];
        b.get(from, a);
        return new String(a, StandardCharsets.UTF_8);
    }

    static System.Logger.Level level(int syslog) {
        return switch (syslog) {
            case 0, 1, 2, 3 -> System.Logger.Level.ERROR;
            case 4 -> System.Logger.Level.WARNING;
            case 5, 6 -> System.Logger.Level.INFO;
            case 7 -> System.Logger.Level.DEBUG;
            default -> System.Logger.Level.TRACE;
        };
    }

    /** Stops this revision's pump thread; the library stays loaded. */
    void stop() {
        stopping = true;
        lib.kt_wake();
        try {
            pump.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
