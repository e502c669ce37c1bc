package io.karst.nbd;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of one export: a bdev served under a name.
 *
 * @param name        the export name clients ask for (up to 4096 bytes of UTF-8; may look like a path)
 * @param bdev        the bdev served (name or alias); it may come and go, the export follows it
 * @param readOnly    whether clients may only read
 * @param isDefault   whether the export also answers to the empty name (at most one export is the default)
 * @param description shown to clients (NBD_INFO_DESCRIPTION, OPT_LIST), may be empty
 * @param multiConn   whether CAN_MULTI_CONN is advertised
 */
public record NbdExport(String name, String bdev, boolean readOnly, boolean isDefault, String description,
                        MultiConn multiConn) {
    /** Configuration keys of an export's factory configuration. */
    public static final String NAME = "name";
    public static final String BDEV = "bdev";
    public static final String READ_ONLY = "read_only";
    public static final String DEFAULT = "default";
    public static final String DESCRIPTION = "description";
    public static final String MULTI_CONN = "multi_conn";

    /**
     * When to advertise {@code NBD_FLAG_CAN_MULTI_CONN} (a FLUSH on one connection covers writes completed on all).
     * {@code AUTO}: for bdev modules whose flush is device-wide (malloc, null, file).
     */
    public enum MultiConn { AUTO, ON, OFF }

    public NbdExport {
        Objects.requireNonNull(name, "name");
        if (bdev == null || bdev.isEmpty()) {
            throw new IllegalArgumentException("an export needs a bdev");
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4096) {
            throw new IllegalArgumentException("export names are limited to 4096 bytes");
        }
        description = description == null ? "" : description;
        multiConn = multiConn == null ? MultiConn.AUTO : multiConn;
    }

    public static NbdExport of(String name, String bdev) {
        return new NbdExport(name, bdev, false, false, "", MultiConn.AUTO);
    }

    /** Reads an export from configuration properties (string or typed values). */
    public static NbdExport fromProperties(Map<String, ?> p) {
        String bdev = str(p.get(BDEV));
        String name = p.containsKey(NAME) ? str(p.get(NAME)) : bdev;
        return new NbdExport(name, bdev, bool(p.get(READ_ONLY)), bool(p.get(DEFAULT)), str(p.get(DESCRIPTION)),
                multiConn(str(p.get(MULTI_CONN))));
    }

    public Map<String, String> toProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(NAME, name);
        m.put(BDEV, bdev);
        m.put(READ_ONLY, Boolean.toString(readOnly));
        m.put(DEFAULT, Boolean.toString(isDefault));
        if (!description.isEmpty()) {
            m.put(DESCRIPTION, description);
        }
        m.put(MULTI_CONN, multiConn.name().toLowerCase(Locale.ROOT));
        return m;
    }

    public static MultiConn multiConn(String s) {
        if (s == null || s.isBlank()) {
            return MultiConn.AUTO;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> MultiConn.AUTO;
            case "on", "true", "yes" -> MultiConn.ON;
            case "off", "false", "no" -> MultiConn.OFF;
            default -> throw new IllegalArgumentException("multi_conn must be auto, on or off, not " + s);
        };
    }

    private static String str(Object o) {
        return o == null ? null : o.toString().trim();
    }

    private static boolean bool(Object o) {
        if (o == null) {
            return false;
        }
        String s = o.toString().trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0", "" -> false;
            default -> throw new IllegalArgumentException("not a boolean: " + o);
        };
    }
}
