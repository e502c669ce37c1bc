package io.karst.web.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import io.karst.web.api.DashboardProvider;
import io.karst.web.api.DashboardTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The documents of the JSON API, as maps and lists that {@link Json} writes. */
final class DashboardModel {
    /** The sections the page always shows, in this order, with their headings. */
    static final Map<String, String> KNOWN_SECTIONS = new LinkedHashMap<>();

    static {
        KNOWN_SECTIONS.put(DashboardProvider.FRONTENDS, "Frontend sessions");
        KNOWN_SECTIONS.put(DashboardProvider.REPLICATION, "Replication resources");
    }

    private DashboardModel() {
    }

    static Map<String, Object> dashboard(String instance, long epochMillis, List<Bdev> bdevs,
                                         Map<String, BdevRates.Reading> readings, List<DashboardProvider> providers) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("instance", instance);
        doc.put("time", epochMillis);
        doc.put("bdevs", bdevs(bdevs, readings));
        doc.put("sections", sections(providers));
        return doc;
    }

    static List<Object> bdevs(List<Bdev> bdevs, Map<String, BdevRates.Reading> readings) {
        List<Object> list = new ArrayList<>(bdevs.size());
        for (Bdev b : bdevs) {
            BdevRates.Reading r = readings.get(b.name());
            list.add(bdev(b, r == null ? b.statistics() : r.stats(), r == null ? null : r.rates()));
        }
        return list;
    }

    static Map<String, Object> bdev(Bdev b, IoStatistics stats, BdevRates.Rates rates) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("aliases", List.copyOf(new java.util.TreeSet<>(b.aliases())));
        m.put("uuid", b.uuid().toString());
        m.put("module", b.module());
        m.put("product", b.productName());
        m.put("blockSize", b.blockSize());
        m.put("blockCount", b.blockCount());
        m.put("sizeBytes", b.sizeBytes());
        m.put("readOnly", b.readOnly());
        m.put("removed", b.removed());
        List<Object> holders = new ArrayList<>();
        for (Bdev.Holder h : b.holders()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("holder", h.holder());
            hm.put("writable", h.writable());
            hm.put("claim", h.claim().spdkName());
            holders.add(hm);
        }
        m.put("holders", holders);
        m.put("inFlight", stats.inFlight());
        if (rates == null) {
            m.put("rates", null);
        } else {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("interval", rates.seconds());
            rm.put("iops", rates.totalIops());
            for (BdevRates.Group g : BdevRates.Group.values()) {
                BdevRates.GroupRates gr = rates.of(g);
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("iops", gr.iops());
                gm.put("bytesPerSecond", gr.bytesPerSecond());
                gm.put("errorsPerSecond", gr.errorsPerSecond());
                gm.put("meanLatencyMicros", gr.meanLatencyNanos() / 1000.0);
                rm.put(g.name().toLowerCase(Locale.ROOT), gm);
            }
            m.put("rates", rm);
        }
        Map<BdevRates.Group, long[]> totals = new EnumMap<>(BdevRates.Group.class);
        for (BdevRates.Group g : BdevRates.Group.values()) {
            totals.put(g, new long[3]);
        }
        for (Map.Entry<IoType, IoStatistics.TypeStatistics> e : stats.byType().entrySet()) {
            long[] t = totals.get(BdevRates.Group.of(e.getKey()));
            t[0] += e.getValue().ops();
            t[1] += e.getValue().bytes();
            t[2] += e.getValue().errors();
        }
        Map<String, Object> tm = new LinkedHashMap<>();
        totals.forEach((g, t) -> tm.put(g.name().toLowerCase(Locale.ROOT),
                obj("ops", t[0], "bytes", t[1], "errors", t[2])));
        m.put("totals", tm);
        m.put("driverInfo", new TreeMap<>(b.driverInfo()));
        return m;
    }

    static List<Object> sections(List<DashboardProvider> providers) {
        Map<String, List<Object>> tables = new LinkedHashMap<>();
        KNOWN_SECTIONS.keySet().forEach(id -> tables.put(id, new ArrayList<>()));
        List<Map.Entry<String, Object>> found = new ArrayList<>();
        for (DashboardProvider p : providers) {
            String section;
            Object table;
            try {
                section = p.section();
                table = table(p.table());
            } catch (RuntimeException e) {
                section = safeSection(p);
                table = obj("title", p.getClass().getName(), "error", String.valueOf(e));
            }
            found.add(Map.entry(section == null ? "other" : section, table));
        }
        found.sort(Comparator.comparing(e -> String.valueOf(((Map<?, ?>) e.getValue()).get("title"))));
        for (Map.Entry<String, Object> e : found) {
            tables.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        List<Object> sections = new ArrayList<>();
        tables.forEach((id, list) -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", id);
            s.put("title", KNOWN_SECTIONS.getOrDefault(id, id));
            s.put("tables", list);
            sections.add(s);
        });
        return sections;
    }

    private static String safeSection(DashboardProvider p) {
        try {
            return p.section();
        } catch (RuntimeException e) {
            return "other";
        }
    }

    static Map<String, Object> table(DashboardTable t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("title", t.title());
        List<Object> columns = new ArrayList<>();
        for (DashboardTable.Column c : t.columns()) {
            columns.add(obj("label", c.label(), "kind", c.kind().name().toLowerCase(Locale.ROOT)));
        }
        m.put("columns", columns);
        m.put("rows", t.rows());
        return m;
    }

    /** A JSON object with its keys in the given order. */
    static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
