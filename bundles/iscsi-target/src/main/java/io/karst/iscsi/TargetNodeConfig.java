package io.karst.iscsi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A target node (SPDK {@code iscsi_create_target_node}): its IQN, alias, LUN map (LUN number to bdev name), the
 * portal group / initiator group pairs it is reachable through, CHAP settings and queue depth per session.
 * Factory PID {@value #PID}: {@code name = malloc0} (short names get the node base prefix),
 * {@code luns = 0:Malloc0}, {@code pg_ig_maps = 1:1}, {@code queue_depth = 64}, {@code disable_chap},
 * {@code require_chap}, {@code mutual_chap}, {@code chap_group}, {@code thin_provisioning} (default true: LUNs on
 * bdevs that can unmap are presented thin-provisioned with UNMAP; false presents them fully provisioned).
 */
public record TargetNodeConfig(String name, String alias, Map<Integer, String> luns, List<PgIgMap> pgIgMaps,
                               int queueDepth, boolean disableChap, boolean requireChap, boolean mutualChap,
                               int chapGroup, boolean thinProvisioning) {
    public static final String PID = "io.karst.iscsi.target";
    public static final int MAX_LUN = 16383;

    /** One portal group / initiator group pair. */
    public record PgIgMap(int pgTag, int igTag) {
        @Override
        public String toString() {
            return pgTag + ":" + igTag;
        }
    }

    public TargetNodeConfig {
        if (!validName(name)) {
            throw new IllegalArgumentException("invalid target name " + name + " (iqn., eui. or naa. form)");
        }
        for (Integer l : luns.keySet()) {
            if (l < 0 || l > MAX_LUN) {
                throw new IllegalArgumentException("LUN " + l + " out of 0.." + MAX_LUN);
            }
        }
        if (queueDepth < 1 || queueDepth > 4096) {
            throw new IllegalArgumentException("queue depth must be 1..4096");
        }
        if (disableChap && (requireChap || mutualChap)) {
            throw new IllegalArgumentException("disable_chap excludes require_chap and mutual_chap");
        }
        if (mutualChap && !requireChap) {
            throw new IllegalArgumentException("mutual_chap needs require_chap");
        }
        luns = java.util.Collections.unmodifiableMap(new TreeMap<>(luns));
        pgIgMaps = List.copyOf(pgIgMaps);
        alias = alias == null ? "" : alias;
    }

    /** Whether a name is an iSCSI name in iqn., eui. or naa. form (RFC 7143 4.2.7), up to 223 bytes. */
    public static boolean validName(String n) {
        if (n == null || n.isEmpty() || n.length() > 223) {
            return false;
        }
        String l = n.toLowerCase(java.util.Locale.ROOT);
        if (l.startsWith("iqn.")) {
            return l.matches("iqn\\.\\d{4}-\\d{2}\\.[a-z0-9.\\-]+(:[a-z0-9.\\-:]+)?");
        }
        if (l.startsWith("eui.")) {
            return l.matches("eui\\.[0-9a-f]{16}");
        }
        if (l.startsWith("naa.")) {
            return l.matches("naa\\.[0-9a-f]{16}([0-9a-f]{16})?");
        }
        return false;
    }

    /** Builds a target from properties; short names get {@code nodeBase + ":"} in front. */
    public static TargetNodeConfig from(Map<String, ?> p, String nodeBase) {
        String name = Config.string(p, "name", "");
        if (!name.contains(".") || !(name.startsWith("iqn.") || name.startsWith("eui.") || name.startsWith("naa."))) {
            name = nodeBase + ":" + name;
        }
        Map<Integer, String> luns = new LinkedHashMap<>();
        for (String l : Config.list(p, "luns")) {
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("luns: expected LUN:bdev, got " + l);
            }
            int n;
            try {
                n = Integer.parseInt(l.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("luns: bad LUN number in " + l);
            }
            if (luns.put(n, l.substring(colon + 1)) != null) {
                throw new IllegalArgumentException("luns: LUN " + n + " given twice");
            }
        }
        List<PgIgMap> maps = new ArrayList<>();
        for (String m : Config.list(p, "pg_ig_maps")) {
            String[] f = m.split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("pg_ig_maps: expected PG:IG, got " + m);
            }
            try {
                maps.add(new PgIgMap(Integer.parseInt(f[0]), Integer.parseInt(f[1])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pg_ig_maps: bad tag in " + m);
            }
        }
        return new TargetNodeConfig(name, Config.string(p, "alias", ""), luns, maps,
                Config.integer(p, "queue_depth", 64, 1, 4096), Config.bool(p, "disable_chap", false),
                Config.bool(p, "require_chap", false), Config.bool(p, "mutual_chap", false),
                Config.integer(p, "chap_group", 0, 0, 0xFFFF), Config.bool(p, "thin_provisioning", true));
    }

    public Map<String, String> properties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("alias", alias);
        List<String> l = new ArrayList<>();
        luns.forEach((k, v) -> l.add(k + ":" + v));
        m.put("luns", String.join(" ", l));
        m.put("pg_ig_maps", String.join(" ", pgIgMaps.stream().map(PgIgMap::toString).toList()));
        m.put("queue_depth", Integer.toString(queueDepth));
        m.put("disable_chap", Boolean.toString(disableChap));
        m.put("require_chap", Boolean.toString(requireChap));
        m.put("mutual_chap", Boolean.toString(mutualChap));
        m.put("chap_group", Integer.toString(chapGroup));
        m.put("thin_provisioning", Boolean.toString(thinProvisioning));
        return m;
    }

    public TargetNodeConfig withLuns(Map<Integer, String> newLuns) {
        return new TargetNodeConfig(name, alias, newLuns, pgIgMaps, queueDepth, disableChap, requireChap,
                mutualChap, chapGroup, thinProvisioning);
    }
}
