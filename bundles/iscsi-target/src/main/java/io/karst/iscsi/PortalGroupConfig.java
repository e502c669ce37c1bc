package io.karst.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A portal group (SPDK {@code iscsi_create_portal_group}): a tag and the addresses it listens on. Factory PID
 * {@value #PID}: {@code tag = 1}, {@code portals = 127.0.0.1:3260 [::1]:3260}.
 */
public record PortalGroupConfig(int tag, List<Portal> portals) {
    public static final String PID = "io.karst.iscsi.portalgroup";

    public PortalGroupConfig {
        if (tag < 1 || tag > 0xFFFF) {
            throw new IllegalArgumentException("portal group tag must be 1..65535");
        }
        if (portals.isEmpty()) {
            throw new IllegalArgumentException("portal group " + tag + " has no portals");
        }
        portals = List.copyOf(portals);
    }

    /** One listening address. */
    public record Portal(String host, int port) {
        public Portal {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535");
            }
        }

        /** Parses {@code host:port}, {@code [v6]:port} or a host alone (port 3260). */
        public static Portal parse(String s) {
            String host;
            int port = 3260;
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                if (end < 0) {
                    throw new IllegalArgumentException("portal " + s + ": missing ']'");
                }
                host = s.substring(1, end);
                if (s.length() > end + 1) {
                    port = parsePort(s, s.substring(end + 2));
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon > 0 && s.indexOf(':') == colon) {
                    host = s.substring(0, colon);
                    port = parsePort(s, s.substring(colon + 1));
                } else {
                    host = s;
                }
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("portal " + s + ": no host");
            }
            return new Portal(host, port);
        }

        private static int parsePort(String s, String p) {
            try {
                return Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("portal " + s + ": bad port");
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public static PortalGroupConfig from(Map<String, ?> p) {
        List<Portal> portals = new ArrayList<>();
        for (String s : Config.list(p, "portals")) {
            portals.add(Portal.parse(s));
        }
        return new PortalGroupConfig(Config.integer(p, "tag", 1, 1, 0xFFFF), portals);
    }

    public Map<String, String> properties() {
        return Map.of("tag", Integer.toString(tag), "portals",
                String.join(" ", portals.stream().map(Portal::toString).toList()));
    }
}
