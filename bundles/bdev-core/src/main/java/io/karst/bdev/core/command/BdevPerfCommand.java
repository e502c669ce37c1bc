package io.karst.bdev.core.command;

import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.core.internal.BdevPerf;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "bdev", name = "perf", description = "Drives a block device with a queue-depth workload and reports"
        + " IOPS and latency (like SPDK's bdevperf); the verify workload checks the data it wrote",
        detailedDescription = "Write workloads change the bdev's contents.\nExample: bdev:perf -w verify -q 32 -o 4K"
        + " -t 5 Malloc0")
@Service
public class BdevPerfCommand implements Action {
    @Reference
    BdevRegistry registry;

    @Argument(index = 0, name = "name", required = true)
    @Completion(BdevNameCompleter.class)
    String name;

    @Option(name = "-w", aliases = "--workload", description = "read, write, randread, randwrite, randrw, verify")
    @Completion(value = StringsCompleter.class, values = {"read", "write", "randread", "randwrite", "randrw",
            "verify"})
    String workload = "randread";

    @Option(name = "-q", aliases = "--queue-depth", description = "requests in flight per thread (default 32)")
    int queueDepth = 32;

    @Option(name = "-o", aliases = "--io-size", description = "bytes per request, e.g. 4K (default 4K)")
    String ioSize = "4K";

    @Option(name = "-t", aliases = "--time", description = "seconds (default 5)")
    double seconds = 5;

    @Option(name = "-m", aliases = "--threads", description = "submitting threads, one channel each (default 1)")
    int threads = 1;

    @Option(name = "-M", aliases = "--read-percent", description = "reads in randrw, percent (default 70)")
    int readPercent = 70;

    @Option(name = "-s", aliases = "--silent", description = "no progress lines, only the result")
    boolean silent;

    @Override
    public Object execute() throws Exception {
        BdevPerf.Options options = BdevPerf.options(name, workload, queueDepth, ioSize, seconds, threads,
                readPercent);
        BdevPerf.Progress progress = silent ? null : (secs, ios, iops) -> System.out.printf(Locale.ROOT,
                "%6.1f s  %12d I/Os  %10.0f IOPS%n", secs, ios, iops);
        BdevPerf.Result r = BdevPerf.run(registry, options, progress);
        System.out.println(name + " " + workload + " qd=" + queueDepth + " io=" + ioSize + " threads=" + threads
                + ": " + r);
        if (r.errors() > 0 || r.miscompares() > 0) {
            throw new BdevException(BdevException.Reason.FAILED, r.errors() + " failed I/Os, " + r.miscompares()
                    + " miscompares");
        }
        return null;
    }
}
