package io.karst.iscsi.internal;

import io.karst.iscsi.TargetNodeConfig;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A target node at run time: its configuration and the LUNs currently bound to bdevs. The LUN map is replaced
 * as a whole on change (readers on the I/O path see a consistent immutable map without locking).
 */
final class TargetNode {
    private volatile TargetNodeConfig config;
    private volatile Map<Integer, LunBinding> luns = Map.of();
    final Set<IscsiConnection> connections = ConcurrentHashMap.newKeySet();

    TargetNode(TargetNodeConfig config) {
        this.config = config;
    }

    TargetNodeConfig config() {
        return config;
    }

    void config(TargetNodeConfig c) {
        this.config = c;
    }

    String name() {
        return config.name();
    }

    Map<Integer, LunBinding> luns() {
        return luns;
    }

    LunBinding lun(int n) {
        return luns.get(n);
    }

    synchronized void put(LunBinding b) {
        Map<Integer, LunBinding> m = new TreeMap<>(luns);
        m.put(b.lun, b);
        luns = Collections.unmodifiableMap(m);
    }

    synchronized LunBinding remove(int lun) {
        if (!luns.containsKey(lun)) {
            return null;
        }
        Map<Integer, LunBinding> m = new TreeMap<>(luns);
        LunBinding b = m.remove(lun);
        luns = Collections.unmodifiableMap(m);
        return b;
    }
}
