package io.karst.bdev.rpc;

import io.karst.bdev.Bdev;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of SPDK's {@code bdev_get_bdevs} and {@code bdev_get_iostat}, filled from Karst's bdevs. */
final class BdevJson {
    /** SPDK's I/O type names in its order; the ones Karst has no equivalent for are always false. */
    private static final String[] SPDK_IO_TYPES = {"read", "write", "unmap", "flush", "reset", "nvme_admin",
        "nvme_io", "nvme_io_md", "write_zeroes", "zcopy", "get_zone_info", "zone_management", "zone_append",
        "compare", "compare_and_write", "abort", "seek_hole", "seek_data", "copy", "nvme_iov_md"};

    private BdevJson() {
    }

    static Map<String, Object> bdev(Bdev b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("aliases", List.copyOf(b.aliases()));
        m.put("product_name", b.productName());
        m.put("block_size", b.blockSize());
        m.put("num_blocks", b.blockCount());
        m.put("uuid", b.uuid().toString());
        Map<String, Object> limits = new LinkedHashMap<>();
        for (String l : new String[]{"rw_ios_per_sec", "rw_mbytes_per_sec", "r_mbytes_per_sec", "w_mbytes_per_sec"}) {
            limits.put(l, 0);
        }
        m.put("assigned_rate_limits", limits);
        ClaimType claim = ClaimType.NONE;
        for (Bdev.Holder h : b.holders()) {
            if (h.claim() != ClaimType.NONE) {
                claim = h.claim();
            }
        }
        m.put("claimed", claim != ClaimType.NONE);
        if (claim != ClaimType.NONE) {
            m.put("claim_type", claim.spdkName());
        }
        m.put("zoned", false);
        Map<String, Object> types = new LinkedHashMap<>();
        for (String t : SPDK_IO_TYPES) {
            IoType ours = ioType(t);
            types.put(t, ours != null && b.supports(ours));
        }
        m.put("supported_io_types", types);
        Map<String, Object> driver = new LinkedHashMap<>();
        driver.put(b.module(), new LinkedHashMap<String, Object>(b.driverInfo()));
        Map<String, Object> karst = new LinkedHashMap<>();
        karst.put("module", b.module());
        karst.put("write_cache", b.writeCache());
        karst.put("read_only", b.readOnly());
        karst.put("required_alignment", b.requiredAlignment());
        karst.put("optimal_io_boundary", b.optimalIoBoundary());
        karst.put("unmap_reads_zeroes", b.unmapReadsZeroes());
        List<Object> holders = new ArrayList<>();
        for (Bdev.Holder h : b.holders()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("holder", h.holder());
            hm.put("writable", h.writable());
            hm.put("claim", h.claim().spdkName());
            holders.add(hm);
        }
        karst.put("holders", holders);
        driver.put("karst", karst);
        m.put("driver_specific", driver);
        return m;
    }

    static IoType ioType(String spdkName) {
        for (IoType t : IoType.values()) {
            if (t.spdkName().equals(spdkName)) {
                return t;
            }
        }
        return null;
    }

    /** One bdev of {@code bdev_get_iostat}; latencies in ticks of 1 ns (the result's tick_rate is 10^9). */
    static Map<String, Object> iostat(Bdev b) {
        IoStatistics s = b.statistics();
        IoStatistics.TypeStatistics r = s.of(IoType.READ);
        IoStatistics.TypeStatistics w = s.of(IoType.WRITE);
        IoStatistics.TypeStatistics u = s.of(IoType.UNMAP);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("bytes_read", r.bytes());
        m.put("num_read_ops", r.ops());
        m.put("bytes_written", w.bytes());
        m.put("num_write_ops", w.ops());
        m.put("bytes_unmapped", u.bytes());
        m.put("num_unmap_ops", u.ops());
        m.put("bytes_copied", 0);
        m.put("num_copy_ops", 0);
        latency(m, "read", r);
        latency(m, "write", w);
        latency(m, "unmap", u);
        latency(m, "copy", IoStatistics.TypeStatistics.EMPTY);
        Map<String, Object> errors = new LinkedHashMap<>();
        for (Map.Entry<IoType, IoStatistics.TypeStatistics> e : s.byType().entrySet()) {
            if (e.getValue().errors() > 0) {
                errors.put(e.getKey().spdkName(), e.getValue().errors());
            }
        }
        if (!errors.isEmpty()) {
            m.put("io_error", errors);
        }
        m.put("queue_depth", s.inFlight());
        Map<String, Object> karst = new LinkedHashMap<>();
        for (Map.Entry<IoType, IoStatistics.TypeStatistics> e : s.byType().entrySet()) {
            IoStatistics.TypeStatistics t = e.getValue();
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("ops", t.ops());
            tm.put("bytes", t.bytes());
            tm.put("errors", t.errors());
            tm.put("latency_ns_mean", t.meanLatencyNanos());
            tm.put("latency_ns_p50", t.percentileNanos(0.50));
            tm.put("latency_ns_p99", t.percentileNanos(0.99));
            tm.put("latency_ns_p999", t.percentileNanos(0.999));
            karst.put(e.getKey().spdkName(), tm);
        }
        m.put("karst", karst);
        return m;
    }

    private static void latency(Map<String, Object> m, String type, IoStatistics.TypeStatistics t) {
        m.put(type + "_latency_ticks", t.latencyNanos());
        m.put("max_" + type + "_latency_ticks", t.maxLatencyNanos());
        m.put("min_" + type + "_latency_ticks", t.minLatencyNanos());
    }
}
