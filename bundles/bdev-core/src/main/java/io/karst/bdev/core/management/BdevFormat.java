package io.karst.bdev.core.management;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Text renderings of bdev facts shared by the shell commands and the MBeans. */
public final class BdevFormat {
    private BdevFormat() {
    }

    public static String holder(Bdev.Holder h) {
        return h.holder() + " (" + (h.writable() ? "read-write" : "read-only")
                + (h.claim() == io.karst.bdev.ClaimType.NONE ? "" : ", " + h.claim().spdkName() + " claim") + ")";
    }

    public static List<String> holders(Bdev b) {
        List<String> out = new ArrayList<>();
        for (Bdev.Holder h : b.holders()) {
            out.add(holder(h));
        }
        return out;
    }

    /** "1.2 µs"-style latency. */
    public static String nanos(long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
    }

    public static List<String> iostat(IoStatistics s) {
        List<String> out = new ArrayList<>();
        for (IoType t : IoType.values()) {
            IoStatistics.TypeStatistics ts = s.byType().get(t);
            if (ts == null) {
                continue;
            }
            out.add(String.format(Locale.ROOT, "%s ops=%d bytes=%d errors=%d lat_mean=%s lat_min=%s lat_max=%s"
                            + " lat_p50=%s lat_p99=%s", t.spdkName(), ts.ops(), ts.bytes(), ts.errors(),
                    nanos(ts.meanLatencyNanos()), nanos(ts.minLatencyNanos()), nanos(ts.maxLatencyNanos()),
                    nanos(ts.percentileNanos(0.5)), nanos(ts.percentileNanos(0.99))));
        }
        return out;
    }

    public static IoType ioType(String name) {
        for (IoType t : IoType.values()) {
            if (t.spdkName().equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown I/O type '" + name + "'");
    }
}
