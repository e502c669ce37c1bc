package io.karst.fuse.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoStatistics;
import io.karst.bdev.IoType;
import io.karst.status.StatusFileProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The frontend's own status files. {@code proc/}: {@code bdevs} (a table), {@code diskstats} (Linux's
 * /proc/diskstats layout, so tools that parse it read bdevs) and {@code fuse} (the files and their opens and
 * in-flight I/O). {@code sys/}: per bdev, {@code block/<bdev>/...} one value per file, after Linux's
 * /sys/block/&lt;dev&gt; ({@code size} in 512-byte sectors, {@code ro}, {@code stat}, {@code inflight},
 * {@code queue/logical_block_size}, ...) plus Karst's own facts, and {@code fuse/...} for the mount.
 */
final class BuiltinStatusFiles {
    /** What the status files show of the frontend itself. */
    interface Frontend {
        String mountPoint();

        String state();

        Optional<Export> export(String bdev);

        boolean exported(String bdev);

        List<Export> exports();

        int threads();

        int maxBackground();

        int maxWrite();

        long requests();
    }

    static final String[] BLOCK_FILES = {
        "size", "ro", "stat", "inflight", "uuid", "module", "product", "block_count", "size_bytes", "holders",
        "claim", "removed", "queue/logical_block_size", "queue/write_cache", "queue/rotational",
        "fuse/exported", "fuse/opens_read", "fuse/opens_write", "fuse/inflight", "fuse/inflight_max",
    };

    private final BdevRegistry registry;
    private final Frontend frontend;

    BuiltinStatusFiles(BdevRegistry registry, Frontend frontend) {
        this.registry = registry;
        this.frontend = frontend;
    }

    StatusFileProvider proc() {
        return new Provider(StatusFileProvider.PROC, () -> List.of("bdevs", "diskstats", "fuse"), this::readProc);
    }

    StatusFileProvider sys() {
        return new Provider(StatusFileProvider.SYS, this::sysFiles, this::readSys);
    }

    private record Provider(String tree, Supplier<List<String>> list, Function<String, String> reader)
            implements StatusFileProvider {
        @Override
        public List<String> files() {
            return list.get();
        }

        @Override
        public String read(String path) {
            return reader.apply(path);
        }
    }

    private List<String> sysFiles() {
        List<String> out = new ArrayList<>();
        for (Bdev b : registry.bdevs()) {
            if (b.name().indexOf('/') >= 0) {
                continue;
            }
            for (String f : BLOCK_FILES) {
                out.add("block/" + b.name() + "/" + f);
            }
        }
        out.addAll(List.of("fuse/mount_point", "fuse/state", "fuse/threads", "fuse/max_background",
                "fuse/max_write", "fuse/requests"));
        return out;
    }

    private String readProc(String path) {
        return switch (path) {
            case "bdevs" -> bdevTable();
            case "diskstats" -> diskstats();
            case "fuse" -> fuseTable();
            default -> null;
        };
    }

    private String readSys(String path) {
        if (path.startsWith("fuse/")) {
            return switch (path.substring(5)) {
                case "mount_point" -> line(frontend.mountPoint());
                case "state" -> line(frontend.state());
                case "threads" -> line(frontend.threads());
                case "max_background" -> line(frontend.maxBackground());
                case "max_write" -> line(frontend.maxWrite());
                case "requests" -> line(frontend.requests());
                default -> null;
            };
        }
        if (!path.startsWith("block/")) {
            return null;
        }
        String rest = path.substring(6);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return null;
        }
        Optional<Bdev> found = registry.find(rest.substring(0, slash));
        if (found.isEmpty()) {
            return null;
        }
        Bdev b = found.get();
        String file = rest.substring(slash + 1);
        Optional<Export> e = frontend.export(b.name());
        return switch (file) {
            case "size" -> line(b.sizeBytes() / 512);
            case "ro" -> line(b.readOnly() ? 1 : 0);
            case "stat" -> stat(b.statistics()) + "\n";
            case "inflight" -> inflight(b.statistics());
            case "uuid" -> line(b.uuid());
            case "module" -> line(b.module());
            case "product" -> line(b.productName());
            case "block_count" -> line(b.blockCount());
            case "size_bytes" -> line(b.sizeBytes());
            case "holders" -> holders(b);
            case "claim" -> line(claim(b));
            case "removed" -> line(b.removed() ? 1 : 0);
            case "queue/logical_block_size" -> line(b.blockSize());
            case "queue/write_cache" -> line(b.writeCache() ? "write back" : "write through");
            case "queue/rotational" -> line(0);
            case "fuse/exported" -> line(frontend.exported(b.name()) ? 1 : 0);
            case "fuse/opens_read" -> line(e.map(Export::readOpens).orElse(0));
            case "fuse/opens_write" -> line(e.map(Export::writeOpens).orElse(0));
            case "fuse/inflight" -> line(e.map(x -> x.inFlight.get()).orElse(0L));
            case "fuse/inflight_max" -> line(e.map(x -> x.maxInFlight.get()).orElse(0L));
            default -> null;
        };
    }

    private static String line(Object value) {
        return value + "\n";
    }

    /** The strongest claim on the bdev and its holder, or "none". */
    static String claim(Bdev b) {
        for (Bdev.Holder h : b.holders()) {
            if (h.claim() == ClaimType.EXCLUSIVE_WRITE) {
                return h.claim().spdkName() + " " + h.holder();
            }
        }
        for (Bdev.Holder h : b.holders()) {
            if (h.claim() != ClaimType.NONE) {
                return h.claim().spdkName() + " " + h.holder();
            }
        }
        return "none";
    }

    private static String holders(Bdev b) {
        StringBuilder sb = new StringBuilder();
        for (Bdev.Holder h : b.holders()) {
            sb.append(h.holder()).append(' ').append(h.writable() ? "rw" : "ro").append(' ')
                    .append(h.claim().spdkName()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Linux's 17 fields of /sys/block/&lt;dev&gt;/stat: reads, read merges, sectors read, ms reading, writes, write
     * merges, sectors written, ms writing, in flight, ms doing I/O, weighted ms, discards, discard merges, sectors
     * discarded, ms discarding, flushes, ms flushing. There are no merges; "ms doing I/O" is not kept (0).
     */
    static String stat(IoStatistics s) {
        IoStatistics.TypeStatistics r = s.of(IoType.READ);
        IoStatistics.TypeStatistics w = s.of(IoType.WRITE);
        IoStatistics.TypeStatistics d = s.of(IoType.UNMAP);
        IoStatistics.TypeStatistics f = s.of(IoType.FLUSH);
        long weighted = (r.latencyNanos() + w.latencyNanos() + d.latencyNanos() + f.latencyNanos()) / 1_000_000;
        long[] v = {
            r.ops(), 0, r.bytes() / 512, r.latencyNanos() / 1_000_000,
            w.ops(), 0, w.bytes() / 512, w.latencyNanos() / 1_000_000,
            s.inFlight(), 0, weighted,
            d.ops(), 0, d.bytes() / 512, d.latencyNanos() / 1_000_000,
            f.ops(), f.latencyNanos() / 1_000_000,
        };
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%8d", v[i]));
        }
        return sb.toString();
    }

    /** Linux's inflight file: reads and writes in flight; the layer counts them together, so all are reads. */
    private static String inflight(IoStatistics s) {
        return String.format("%8d %8d%n", s.inFlight(), 0);
    }

    /** Linux's /proc/diskstats: major, minor, name and the 17 stat fields; bdevs get major 0 and their index. */
    private String diskstats() {
        StringBuilder sb = new StringBuilder();
        int minor = 0;
        for (Bdev b : registry.bdevs()) {
            String[] f = stat(b.statistics()).trim().split("\\s+");
            sb.append(String.format("%4d %7d %s %s%n", 0, minor++, b.name(), String.join(" ", f)));
        }
        return sb.toString();
    }

    private String bdevTable() {
        StringBuilder sb = new StringBuilder(String.format("%-20s %-10s %10s %20s %5s %3s %7s  %s%n",
                "name", "module", "block_size", "size_bytes", "ro", "fuse", "holders", "claim"));
        for (Bdev b : registry.bdevs()) {
            sb.append(String.format("%-20s %-10s %10d %20d %5s %3s %7d  %s%n", b.name(), b.module(), b.blockSize(),
                    b.sizeBytes(), b.readOnly() ? "yes" : "no", frontend.exported(b.name()) ? "yes" : "no",
                    b.holders().size(), claim(b)));
        }
        return sb.toString();
    }

    private String fuseTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("mount: ").append(frontend.mountPoint()).append(" (").append(frontend.state()).append(")\n");
        sb.append(String.format("%-24s %5s %5s %8s %8s %12s %12s %8s %6s%n", "file", "rd", "wr", "inflight",
                "max", "reads", "writes", "flushes", "errors"));
        for (Export e : frontend.exports()) {
            sb.append(String.format("%-24s %5d %5d %8d %8d %12d %12d %8d %6d%n", "dev/" + e.name(), e.readOpens(),
                    e.writeOpens(), e.inFlight.get(), e.maxInFlight.get(), e.reads.get(), e.writes.get(),
                    e.flushes.get(), e.errors.get()));
        }
        return sb.toString();
    }
}
