package io.karst.iscsi.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.OpenOptions;
import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiOptions;
import io.karst.iscsi.LunInfo;
import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.TargetNodeConfig;
import io.karst.iscsi.internal.login.AuthPolicy;
import io.karst.iscsi.internal.login.LoginException;
import io.karst.iscsi.internal.login.TargetLimits;
import io.karst.iscsi.internal.login.TextKeys;
import io.karst.scsi.LunOptions;
import io.karst.scsi.ScsiLun;
import io.karst.scsi.Sense;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The target's run-time state: portal, initiator and auth groups, target nodes with their bound LUNs, and the
 * sessions. Configuration components feed it; connections ask it who may log in and what a target exports.
 * LUNs whose bdev does not exist (yet) are bound as soon as it is registered; a bdev's hot-remove unbinds its
 * LUN and the sessions stay up.
 */
public final class TargetRegistry implements BdevRegistry.Listener {
    private static final System.Logger LOG = System.getLogger(TargetRegistry.class.getName());

    private final BdevRegistry bdevs;
    private final java.nio.file.Path reservationDir;
    private volatile IscsiOptions options;
    private final Map<Integer, PortalGroupConfig> portalGroups = new ConcurrentHashMap<>();
    private final Map<Integer, InitiatorGroupConfig> initiatorGroups = new ConcurrentHashMap<>();
    private final Map<Integer, AuthGroupConfig> authGroups = new ConcurrentHashMap<>();
    private final Map<String, TargetNode> targets = new ConcurrentHashMap<>();
    private final Map<Integer, IscsiConnection> sessions = new ConcurrentHashMap<>();
    private final java.util.Set<IscsiConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextTsih = new AtomicInteger(1);

    public TargetRegistry(BdevRegistry bdevs, IscsiOptions options, java.nio.file.Path reservationDir) {
        this.bdevs = bdevs;
        this.options = options;
        this.reservationDir = reservationDir;
    }

    /** Starts following bdev registrations (binds LUNs waiting for their bdev). */
    public void start() {
        bdevs.addListener(this);
    }

    public void stop() {
        bdevs.removeListener(this);
        for (IscsiConnection c : connections) {
            c.close();
        }
        for (TargetNode t : targets.values()) {
            for (LunBinding b : t.luns().values()) {
                t.remove(b.lun);
                b.close();
            }
        }
    }

    public IscsiOptions options() {
        return options;
    }

    public void options(IscsiOptions o) {
        this.options = o;
    }

    TargetLimits limits() {
        IscsiOptions o = options;
        return new TargetLimits(o.maxRecvDataSegmentLength(), o.maxBurstLength(), o.firstBurstLength(),
                o.initialR2T(), o.immediateData(), o.maxR2tPerConnection(), o.defaultTime2Wait(),
                o.defaultTime2Retain());
    }

    long maxTransferBytes() {
        return LunOptions.DEFAULT_MAX_TRANSFER + 65536L;
    }

    // ------------------------------------------------------------------------------------------------ groups

    public void putPortalGroup(PortalGroupConfig pg) {
        portalGroups.put(pg.tag(), pg);
    }

    public void removePortalGroup(int tag) {
        portalGroups.remove(tag);
    }

    public void putInitiatorGroup(InitiatorGroupConfig ig) {
        initiatorGroups.put(ig.tag(), ig);
    }

    public void removeInitiatorGroup(int tag) {
        initiatorGroups.remove(tag);
    }

    public void putAuthGroup(AuthGroupConfig ag) {
        authGroups.put(ag.tag(), ag);
    }

    public void removeAuthGroup(int tag) {
        authGroups.remove(tag);
    }

    public List<PortalGroupConfig> portalGroups() {
        return portalGroups.values().stream().sorted(Comparator.comparingInt(PortalGroupConfig::tag)).toList();
    }

    public List<InitiatorGroupConfig> initiatorGroups() {
        return initiatorGroups.values().stream().sorted(Comparator.comparingInt(InitiatorGroupConfig::tag)).toList();
    }

    public List<Integer> authGroupTags() {
        return authGroups.keySet().stream().sorted().toList();
    }

    // ------------------------------------------------------------------------------------------------ targets

    /** Adds or updates a target node; LUN changes are applied live. */
    public synchronized void putTarget(TargetNodeConfig config) {
        TargetNode t = targets.get(key(config.name()));
        if (t == null) {
            t = new TargetNode(config);
            targets.put(key(config.name()), t);
        } else {
            t.config(config);
        }
        // unbind LUNs no longer configured (or now pointing at another bdev)
        boolean changed = false;
        for (LunBinding b : t.luns().values()) {
            String want = config.luns().get(b.lun);
            if (want == null || !bdevMatches(b, want) || b.scsi.options().thinProvisioning() != config.thinProvisioning()) {
                t.remove(b.lun);
                b.close();
                changed = true;
                LOG.log(System.Logger.Level.INFO, "iSCSI target {0}: LUN {1} ({2}) removed", config.name(), b.lun,
                        b.bdevName);
            }
        }
        for (Map.Entry<Integer, String> e : config.luns().entrySet()) {
            if (t.lun(e.getKey()) == null) {
                changed |= bind(t, e.getKey(), e.getValue());
            }
        }
        if (changed) {
            lunsChanged(t);
        }
    }

    private boolean bdevMatches(LunBinding b, String name) {
        Bdev bdev = b.scsi.bdev();
        return bdev.name().equals(name) || bdev.aliases().contains(name);
    }

    public synchronized void removeTarget(String name) {
        TargetNode t = targets.remove(key(name));
        if (t == null) {
            return;
        }
        for (IscsiConnection c : t.connections) {
            c.close();
        }
        for (LunBinding b : t.luns().values()) {
            t.remove(b.lun);
            b.close();
        }
    }

    TargetNode target(String name) {
        return name == null ? null : targets.get(key(name));
    }

    public List<TargetNodeConfig> targetConfigs() {
        return targets.values().stream().map(TargetNode::config)
                .sorted(Comparator.comparing(TargetNodeConfig::name)).toList();
    }

    public List<LunInfo> luns(String name) {
        TargetNode t = target(name);
        if (t == null) {
            throw new IllegalArgumentException("no target " + name);
        }
        List<LunInfo> out = new ArrayList<>();
        for (Map.Entry<Integer, String> e : t.config().luns().entrySet()) {
            LunBinding b = t.lun(e.getKey());
            out.add(new LunInfo(t.name(), e.getKey(), e.getValue(), b != null && !b.removed(),
                    b == null ? "" : String.format("%016x", b.scsi.identity().naa()),
                    b == null ? "" : b.scsi.identity().serial()));
        }
        return out;
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** Opens the bdev of a LUN with the frontends' shared claim; false when it is not there (yet). */
    private boolean bind(TargetNode t, int lun, String bdevName) {
        Optional<Bdev> found = bdevs.find(bdevName);
        if (found.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "iSCSI target {0}: LUN {1} waits for bdev {2}", t.name(), lun, bdevName);
            return false;
        }
        BdevDescriptor d;
        final LunBinding[] self = new LunBinding[1];
        try {
            d = bdevs.open(bdevName, OpenOptions.frontend("iSCSI " + t.name() + " LUN " + lun)
                    .withListener((event, bdev, desc) -> bdevEvent(t, lun, event, self[0])));
        } catch (BdevException e) {
            LOG.log(System.Logger.Level.WARNING, "iSCSI target {0}: LUN {1} cannot open bdev {2}: {3}", t.name(), lun,
                    bdevName, e.getMessage());
            return false;
        }
        LunOptions lunOptions = LunOptions.defaults().withProductId(productId(d.bdev()))
                .withThinProvisioning(t.config().thinProvisioning());
        if (reservationDir != null) {
            lunOptions = lunOptions.withReservationStore(new FileReservationStore(reservationDir, d.bdev().uuid()));
        }
        ScsiLun scsi = new ScsiLun(d, lunOptions);
        LunBinding b = new LunBinding(lun, bdevName, scsi, d);
        self[0] = b;
        t.put(b);
        LOG.log(System.Logger.Level.INFO, "iSCSI target {0}: LUN {1} is bdev {2} ({3})", t.name(), lun, bdevName,
                scsi.identity());
        return true;
    }

    private static String productId(Bdev b) {
        String p = b.productName();
        return p == null || p.isEmpty() ? "Karst disk" : p;
    }

    private void bdevEvent(TargetNode t, int lun, BdevEvent event, LunBinding b) {
        if (b == null) {
            return;
        }
        if (event == BdevEvent.RESIZE) {
            b.scsi.capacityChanged();
            return;
        }
        if (event == BdevEvent.REMOVE) {
            synchronized (this) {
                if (t.lun(lun) == b) {
                    t.remove(lun);
                }
            }
            b.close();
            LOG.log(System.Logger.Level.INFO, "iSCSI target {0}: LUN {1} lost its bdev {2} (hot-remove)", t.name(),
                    lun, b.bdevName);
            lunsChanged(t);
        }
    }

    private void lunsChanged(TargetNode t) {
        for (IscsiConnection c : t.connections) {
            c.lunsChanged();
        }
        for (LunBinding b : t.luns().values()) {
            b.scsi.unitAttention(Sense.REPORTED_LUNS_DATA_CHANGED);
        }
    }

    @Override
    public synchronized void bdevAdded(Bdev bdev) {
        for (TargetNode t : targets.values()) {
            boolean changed = false;
            for (Map.Entry<Integer, String> e : t.config().luns().entrySet()) {
                String n = e.getValue();
                if (t.lun(e.getKey()) == null && (bdev.name().equals(n) || bdev.aliases().contains(n))) {
                    changed |= bind(t, e.getKey(), n);
                }
            }
            if (changed) {
                lunsChanged(t);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ login

    AuthPolicy authorize(String targetName, String initiator, InetAddress address, int pgTag) throws LoginException {
        TargetNode t = target(targetName);
        if (t == null) {
            throw new LoginException(LoginException.NOT_FOUND, "no target " + targetName);
        }
        TargetNodeConfig c = t.config();
        boolean viaPortal = false;
        boolean admitted = false;
        for (TargetNodeConfig.PgIgMap m : c.pgIgMaps()) {
            if (m.pgTag() != pgTag) {
                continue;
            }
            viaPortal = true;
            InitiatorGroupConfig ig = initiatorGroups.get(m.igTag());
            if (ig != null && address != null && ig.admits(initiator, address)) {
                admitted = true;
            }
        }
        if (!viaPortal) {
            throw new LoginException(LoginException.NOT_FOUND, "target " + targetName
                    + " is not reachable through portal group " + pgTag);
        }
        if (!admitted) {
            throw new LoginException(LoginException.AUTHORIZATION_FAILURE, "initiator " + initiator + " at "
                    + address + " is not in an initiator group of target " + targetName);
        }
        return policy(c.disableChap(), c.requireChap(), c.mutualChap(), c.chapGroup());
    }

    AuthPolicy discoveryPolicy() {
        IscsiOptions o = options;
        return policy(o.discoveryDisableChap(), o.discoveryRequireChap(), o.discoveryMutualChap(),
                o.discoveryChapGroup());
    }

    private AuthPolicy policy(boolean disable, boolean require, boolean mutual, int group) {
        AuthGroupConfig configured = authGroups.get(group);
        boolean available = configured != null && !configured.secrets().isEmpty();
        return new AuthPolicy(disable, require, mutual, available, user -> {
            AuthGroupConfig g = authGroups.get(group);
            if (g == null) {
                return Optional.empty();
            }
            for (AuthGroupConfig.Secret s : g.secrets()) {
                if (s.user().equals(user)) {
                    return Optional.of(new AuthPolicy.ChapCredential(s.user(), s.secret(), s.mutualUser(),
                            s.mutualSecret()));
                }
            }
            return Optional.empty();
        });
    }

    /** SendTargets answer: the targets (all, or the named one) this initiator may reach, with their portals. */
    List<TextKeys.Pair> sendTargets(IscsiConnection conn, String which) {
        List<TextKeys.Pair> out = new ArrayList<>();
        InetSocketAddress remote = conn.remoteAddress();
        InetSocketAddress local = conn.localAddress();
        List<TargetNode> list = new ArrayList<>(targets.values());
        list.sort(Comparator.comparing(TargetNode::name));
        for (TargetNode t : list) {
            if (!which.equals("All") && !key(which).equals(key(t.name()))) {
                continue;
            }
            List<TextKeys.Pair> addresses = new ArrayList<>();
            for (TargetNodeConfig.PgIgMap m : t.config().pgIgMaps()) {
                InitiatorGroupConfig ig = initiatorGroups.get(m.igTag());
                PortalGroupConfig pg = portalGroups.get(m.pgTag());
                if (ig == null || pg == null || remote == null || !ig.admits(conn.initiatorName(), remote.getAddress())) {
                    continue;
                }
                for (PortalGroupConfig.Portal p : pg.portals()) {
                    String host = p.host();
                    if ((host.equals("0.0.0.0") || host.equals("::") || host.equals("*")) && local != null) {
                        host = local.getAddress().getHostAddress();
                    }
                    String a = (host.contains(":") ? "[" + host + "]" : host) + ":" + p.port() + "," + pg.tag();
                    TextKeys.Pair pair = new TextKeys.Pair("TargetAddress", a);
                    if (!addresses.contains(pair)) {
                        addresses.add(pair);
                    }
                }
            }
            if (!addresses.isEmpty()) {
                out.add(new TextKeys.Pair("TargetName", t.name()));
                out.addAll(addresses);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ sessions

    void connectionOpened(IscsiConnection c) {
        connections.add(c);
    }

    void connectionClosed(IscsiConnection c) {
        connections.remove(c);
    }

    boolean sessionExists(int tsih) {
        return sessions.containsKey(tsih);
    }

    /** Registers a new session and returns its TSIH; an older session of the same I_T nexus is closed. */
    int sessionStarted(IscsiConnection c) {
        if (!c.isDiscovery()) {
            for (IscsiConnection old : sessions.values()) {
                if (old != c && !old.isDiscovery() && old.isid() == c.isid()
                        && old.initiatorName().equalsIgnoreCase(c.initiatorName())
                        && old.target() == c.target()) {
                    LOG.log(System.Logger.Level.INFO, "iSCSI session {0} of {1} reinstated", old.tsih(),
                            c.initiatorName());
                    sessions.remove(old.tsih());
                    old.close();
                }
            }
            c.target().connections.add(c);
        }
        int tsih;
        do {
            tsih = nextTsih.getAndIncrement() & 0xFFFF;
        } while (tsih == 0 || sessions.containsKey(tsih));
        sessions.put(tsih, c);
        return tsih;
    }

    void sessionEnded(IscsiConnection c) {
        sessions.remove(c.tsih(), c);
        if (c.target() != null) {
            c.target().connections.remove(c);
            for (LunBinding b : c.target().luns().values()) {
                b.scsi.nexusLost(c.nexus());
            }
        }
    }

    /** TARGET COLD RESET: every session of the target ends (after the response went out). */
    void coldReset(TargetNode t, IscsiConnection from) {
        for (IscsiConnection c : t.connections) {
            if (c != from) {
                c.close();
            }
        }
        // the caller flushed its response: closing now lets it go out first
        from.close();
    }

    public List<ConnectionInfo> connections() {
        return connections.stream().map(IscsiConnection::info).sorted(Comparator.comparingInt(ConnectionInfo::id))
                .toList();
    }

    public int sessionCount() {
        return sessions.size();
    }

    static String describe(Object o) {
        return Objects.toString(o);
    }
}
