package io.karst.nbd.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.protocol.Nbd;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An export at run time: follows its bdev (opens it with the frontends' shared claim when it appears, lets go of it
 * on hot-remove after ending its connections) and knows what to advertise.
 */
final class LiveExport implements BdevRegistry.Listener {
    private static final System.Logger LOG = System.getLogger(LiveExport.class.getName());
    /** Modules whose FLUSH is device-wide, so CAN_MULTI_CONN is advertised for them by default. */
    static final Set<String> MULTI_CONN_MODULES = Set.of("malloc", "null", "file");

    private final NbdExport spec;
    private final BdevRegistry registry;
    private final Set<NbdSession> sessions = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private BdevDescriptor descriptor;
    private BdevDescriptor detaching;
    private boolean stopped;

    LiveExport(NbdExport spec, BdevRegistry registry) {
        this.spec = spec;
        this.registry = registry;
    }

    NbdExport spec() {
        return spec;
    }

    String name() {
        return spec.name();
    }

    void start() {
        registry.addListener(this);
    }

    /** Ends every connection and releases the bdev. */
    void stop() {
        registry.removeListener(this);
        synchronized (lock) {
            stopped = true;
        }
        detach("export stopped");
    }

    @Override
    public void bdevAdded(Bdev bdev) {
        if (!bdev.name().equals(spec.bdev()) && !bdev.aliases().contains(spec.bdev())) {
            return;
        }
        synchronized (lock) {
            if (stopped || descriptor != null) {
                return;
            }
            try {
                OpenOptions o = new OpenOptions("nbd export " + spec.name(), !spec.readOnly(),
                        ClaimType.READ_MANY_WRITE_SHARED, OpenOptions.FRONTEND_SHARED_KEY,
                        (event, b, d) -> {
                            if (event == BdevEvent.REMOVE) {
                                detach("bdev " + b.name() + " removed");
                            }
                        });
                descriptor = registry.open(spec.bdev(), o);
                LOG.log(System.Logger.Level.INFO, "nbd export {0}: serving bdev {1}", spec.name(), bdev.name());
            } catch (BdevException e) {
                LOG.log(System.Logger.Level.WARNING, "nbd export {0}: cannot open bdev {1}: {2}", spec.name(),
                        spec.bdev(), e.getMessage());
            }
        }
    }

    @Override
    public void bdevRemoved(Bdev bdev) {
        // the REMOVE event has detached already; nothing else to do
    }

    /** Ends the connections; the descriptor closes once their I/O has drained. */
    void detach(String why) {
        List<NbdSession> ending;
        synchronized (lock) {
            if (descriptor == null) {
                return;
            }
            detaching = descriptor;
            descriptor = null;
            ending = new ArrayList<>(sessions);
            if (ending.isEmpty()) {
                closeDetached();
            }
        }
        LOG.log(System.Logger.Level.INFO, "nbd export {0}: ending {1} connection(s): {2}", spec.name(),
                ending.size(), why);
        ending.forEach(NbdSession::exportGone);
    }

    private void closeDetached() {
        BdevDescriptor d = detaching;
        detaching = null;
        if (d != null) {
            d.close();
        }
    }

    /** The open descriptor, or {@code null} while the bdev is absent. */
    BdevDescriptor descriptor() {
        synchronized (lock) {
            return descriptor;
        }
    }

    /** Registers a session entering transmission; {@code null} if the export is not serving. */
    BdevDescriptor join(NbdSession session) {
        synchronized (lock) {
            if (descriptor == null) {
                return null;
            }
            sessions.add(session);
            return descriptor;
        }
    }

    /** A session ended and its I/O drained. */
    void leave(NbdSession session) {
        synchronized (lock) {
            if (sessions.remove(session) && sessions.isEmpty() && detaching != null) {
                closeDetached();
            }
        }
    }

    Set<NbdSession> sessions() {
        return sessions;
    }

    boolean multiConn(Bdev bdev) {
        return switch (spec.multiConn()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> MULTI_CONN_MODULES.contains(bdev.module());
        };
    }

    /** The transmission flags clients get for this export with the bdev as it is now. */
    int transmissionFlags(Bdev bdev) {
        boolean ro = spec.readOnly() || bdev.readOnly();
        int f = Nbd.TF_HAS_FLAGS | Nbd.TF_SEND_FLUSH | Nbd.TF_SEND_FUA | Nbd.TF_SEND_CACHE | Nbd.TF_SEND_DF;
        if (ro) {
            f |= Nbd.TF_READ_ONLY;
        } else {
            f |= Nbd.TF_SEND_WRITE_ZEROES | Nbd.TF_SEND_FAST_ZERO;
            if (bdev.supports(IoType.UNMAP)) {
                f |= Nbd.TF_SEND_TRIM;
            }
        }
        if (multiConn(bdev)) {
            f |= Nbd.TF_CAN_MULTI_CONN;
        }
        return f;
    }

    static String flagNames(int f) {
        StringJoiner j = new StringJoiner(",");
        String[] names = {"has_flags", "read_only", "flush", "fua", "rotational", "trim", "write_zeroes", "df",
            "multi_conn", "resize", "cache", "fast_zero"};
        for (int i = 0; i < names.length; i++) {
            if ((f & (1 << i)) != 0 && i != 0) {
                j.add(names[i]);
            }
        }
        return j.toString();
    }

    NbdExportInfo info() {
        BdevDescriptor d = descriptor();
        if (d == null) {
            return new NbdExportInfo(spec, "waiting for bdev", 0, 0, "", 0);
        }
        Bdev b = d.bdev();
        return new NbdExportInfo(spec, "serving", b.sizeBytes(), b.blockSize(), flagNames(transmissionFlags(b)),
                sessions.size());
    }
}
