package io.karst.bdev.core.command;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import io.karst.bdev.core.management.BdevFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "bdev", name = "iostat", description = "I/O statistics per block device: rates over an interval, or"
        + " totals since registration")
@Service
public class BdevIostat implements Action {
    @Reference
    BdevRegistry registry;

    @Reference
    BdevAdmin admin;

    @Argument(index = 0, name = "name", description = "only this bdev")
    @Completion(BdevNameCompleter.class)
    String name;

    @Option(name = "-i", aliases = "--interval", description = "seconds between reports (rates over the interval)")
    double interval;

    @Option(name = "-c", aliases = "--count", description = "number of interval reports (default 1)")
    int count = 1;

    @Option(name = "-l", aliases = "--latency", description = "also show latency percentiles per I/O type")
    boolean latency;

    @Option(name = "--reset", description = "clear the statistics afterwards")
    boolean reset;

    @Override
    public Object execute() throws Exception {
        List<Bdev> bdevs = selected();
        if (bdevs == null) {
            return null;
        }
        if (interval <= 0) {
            print(bdevs, null, 0);
        } else {
            Map<String, IoStatistics> before = snapshot(bdevs);
            for (int i = 0; i < Math.max(1, count); i++) {
                Thread.sleep((long) (interval * 1000));
                Map<String, IoStatistics> now = snapshot(bdevs);
                print(bdevs, before, interval);
                before = now;
                if (i + 1 < count) {
                    System.out.println();
                }
            }
        }
        if (reset) {
            for (Bdev b : bdevs) {
                admin.resetStatistics(b.name());
            }
        }
        return null;
    }

    private List<Bdev> selected() {
        if (name == null) {
            return registry.bdevs();
        }
        Bdev b = registry.find(name).orElse(null);
        if (b == null) {
            throw new io.karst.bdev.BdevException(io.karst.bdev.BdevException.Reason.NOT_FOUND, "no bdev named "
                    + name);
        }
        return List.of(b);
    }

    private static Map<String, IoStatistics> snapshot(List<Bdev> bdevs) {
        Map<String, IoStatistics> m = new HashMap<>();
        for (Bdev b : bdevs) {
            m.put(b.name(), b.statistics());
        }
        return m;
    }

    private void print(List<Bdev> bdevs, Map<String, IoStatistics> before, double seconds) {
        boolean rates = before != null;
        ShellTable table = new ShellTable();
        table.column("Device");
        for (String c : rates ? new String[]{"r/s", "w/s", "MB_read/s", "MB_wrtn/s", "MB_dscd/s", "r_await", "w_await",
                "in_flight"} : new String[]{"reads", "writes", "MB_read", "MB_wrtn", "MB_dscd", "r_await", "w_await",
                "errors", "in_flight"}) {
            table.column(c).alignRight();
        }
        for (Bdev b : bdevs) {
            IoStatistics now = b.statistics();
            IoStatistics prev = rates ? before.get(b.name()) : null;
            IoStatistics.TypeStatistics r = delta(now.of(IoType.READ), prev == null ? null : prev.of(IoType.READ));
            IoStatistics.TypeStatistics w = delta(now.of(IoType.WRITE), prev == null ? null : prev.of(IoType.WRITE));
            IoStatistics.TypeStatistics u = delta(now.of(IoType.UNMAP), prev == null ? null : prev.of(IoType.UNMAP));
            double div = rates ? seconds : 1;
            List<Object> row = new ArrayList<>();
            row.add(b.name());
            row.add(rates ? fmt(r.ops() / div) : Long.toString(r.ops()));
            row.add(rates ? fmt(w.ops() / div) : Long.toString(w.ops()));
            row.add(fmt(r.bytes() / 1048576.0 / div));
            row.add(fmt(w.bytes() / 1048576.0 / div));
            row.add(fmt(u.bytes() / 1048576.0 / div));
            row.add(BdevFormat.nanos(r.meanLatencyNanos()));
            row.add(BdevFormat.nanos(w.meanLatencyNanos()));
            if (!rates) {
                row.add(now.byType().values().stream().mapToLong(IoStatistics.TypeStatistics::errors).sum());
            }
            row.add(now.inFlight());
            table.addRow().addContent(row);
        }
        table.print(System.out);
        if (latency) {
            for (Bdev b : bdevs) {
                for (String line : BdevFormat.iostat(b.statistics())) {
                    System.out.println(b.name() + " " + line);
                }
            }
        }
    }

    private static IoStatistics.TypeStatistics delta(IoStatistics.TypeStatistics now, IoStatistics.TypeStatistics then) {
        if (then == null) {
            return now;
        }
        return new IoStatistics.TypeStatistics(now.ops() - then.ops(), now.bytes() - then.bytes(),
                now.errors() - then.errors(), now.latencyNanos() - then.latencyNanos(), 0, 0, List.of());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }
}
