package io.karst.iscsi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An initiator group (SPDK {@code iscsi_create_initiator_group}): initiator names ({@code ANY}, exact IQNs, or
 * {@code !name} to deny) and netmasks ({@code ANY}, an address, or CIDR). Factory PID {@value #PID}.
 */
public record InitiatorGroupConfig(int tag, List<String> initiators, List<String> netmasks) {
    public static final String PID = "io.karst.iscsi.initiatorgroup";

    public InitiatorGroupConfig {
        if (tag < 1 || tag > 0xFFFF) {
            throw new IllegalArgumentException("initiator group tag must be 1..65535");
        }
        if (initiators.isEmpty() || netmasks.isEmpty()) {
            throw new IllegalArgumentException("initiator group " + tag + " needs initiators and netmasks");
        }
        for (String m : netmasks) {
            if (!m.equalsIgnoreCase("ANY")) {
                parseMask(m);
            }
        }
        initiators = List.copyOf(initiators);
        netmasks = List.copyOf(netmasks);
    }

    public static InitiatorGroupConfig from(Map<String, ?> p) {
        List<String> i = Config.list(p, "initiators");
        List<String> n = Config.list(p, "netmasks");
        return new InitiatorGroupConfig(Config.integer(p, "tag", 1, 1, 0xFFFF), i.isEmpty() ? List.of("ANY") : i,
                n.isEmpty() ? List.of("ANY") : n);
    }

    public Map<String, String> properties() {
        return Map.of("tag", Integer.toString(tag), "initiators", String.join(" ", initiators), "netmasks",
                String.join(" ", netmasks));
    }

    /** Whether an initiator of this name connecting from this address belongs to the group. */
    public boolean admits(String initiatorName, InetAddress address) {
        String name = initiatorName.toLowerCase(Locale.ROOT);
        boolean nameOk = false;
        for (String i : initiators) {
            if (i.startsWith("!")) {
                if (i.substring(1).toLowerCase(Locale.ROOT).equals(name)) {
                    return false;
                }
            } else if (i.equalsIgnoreCase("ANY") || i.toLowerCase(Locale.ROOT).equals(name)) {
                nameOk = true;
            }
        }
        if (!nameOk) {
            return false;
        }
        for (String m : netmasks) {
            if (m.equalsIgnoreCase("ANY") || matches(m, address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String mask, InetAddress address) {
        Object[] parsed = parseMask(mask);
        byte[] net = (byte[]) parsed[0];
        int bits = (Integer) parsed[1];
        byte[] a = address.getAddress();
        if (a.length != net.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int bit = 0x80 >>> (i % 8);
            if ((a[i / 8] & bit) != (net[i / 8] & bit)) {
                return false;
            }
        }
        return true;
    }

    private static Object[] parseMask(String mask) {
        String host = mask;
        int bits = -1;
        int slash = mask.indexOf('/');
        if (slash >= 0) {
            host = mask.substring(0, slash);
            try {
                bits = Integer.parseInt(mask.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("netmask " + mask + ": bad prefix length");
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("[0-9a-fA-F.:]+")) {
            throw new IllegalArgumentException("netmask " + mask + ": not an IP address");
        }
        byte[] net;
        try {
            net = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("netmask " + mask + ": not an IP address");
        }
        if (bits < 0) {
            bits = net.length * 8;
        }
        if (bits > net.length * 8) {
            throw new IllegalArgumentException("netmask " + mask + ": prefix too long");
        }
        return new Object[] {net, bits};
    }
}
