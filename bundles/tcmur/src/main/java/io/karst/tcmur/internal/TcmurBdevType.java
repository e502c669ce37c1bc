package io.karst.tcmur.internal;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import io.karst.tcmur.TcmurException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code tcmur} bdev type: {@code bdev:create tcmur <name> <cfgstring> [size] [block_size]}. The config string
 * names the handler by its first element, as tcmu-runner's do ({@code qcow//var/lib/img.qcow2}). Creating checks
 * the handler exists, accepts the string ({@code check_config}) and opens the device once.
 */
@Component(service = BdevType.class)
public final class TcmurBdevType implements BdevType {
    static final String PID = "io.karst.bdev.tcmur";
    static final String CFGSTRING = "cfgstring";
    static final int DEFAULT_MAX_SECTORS = 2048;
    static final int DEFAULT_OUTSTANDING = 128;

    @Reference
    HandlerRegistry registry;

    public TcmurBdevType() {
    }

    TcmurBdevType(HandlerRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return TcmurBdev.MODULE;
    }

    @Override
    public String description() {
        return "device served by a tcmu-runner handler (native handler_*.so or a Java handler bundle)";
    }

    @Override
    public String factoryPid() {
        return PID;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(
                new Parameter(CFGSTRING, "handler config string: <subtype>/<handler config>, e.g. qcow//var/lib/a.qcow2",
                        Parameter.Kind.STRING, true, null),
                new Parameter(SIZE, "device size; default: the image's virtual size (qcow) or the file's size",
                        Parameter.Kind.SIZE, false, null),
                new Parameter(BLOCK_SIZE, "block size the device is created with (the handler may set its own)",
                        Parameter.Kind.INTEGER, false, "512"));
    }

    @Override
    public boolean resizable() {
        return true;
    }

    static String subtypeOf(String cfg) {
        int slash = cfg.indexOf('/');
        return slash <= 0 ? null : cfg.substring(0, slash);
    }

    @Override
    public Map<String, Object> configure(Map<String, String> params) {
        String cfg = params.get(CFGSTRING);
        if (cfg == null || cfg.isBlank()) {
            throw new IllegalArgumentException("a config string <subtype>/<config> is required");
        }
        cfg = cfg.trim();
        String subtype = subtypeOf(cfg);
        if (subtype == null) {
            throw new IllegalArgumentException("config string '" + cfg + "' does not start with <subtype>/");
        }
        HandlerBackend h = registry.handler(subtype);
        if (h == null) {
            throw new IllegalArgumentException("no handler for subtype '" + subtype + "' (loaded: "
                    + registry.handlers().stream().map(HandlerRegistry.HandlerInfo::subtype).toList() + ")");
        }
        String reason = h.checkConfig(cfg);
        if (reason != null) {
            throw new IllegalArgumentException("handler " + subtype + " refuses '" + cfg + "': " + reason);
        }
        int blockSize = BdevProperties.requireBlockSize(Long.parseLong(params.getOrDefault(BLOCK_SIZE, "512")));
        String sizeParam = params.get(SIZE);
        long size = sizeParam != null ? Long.parseLong(sizeParam) : guessSize(cfg);
        if (size <= 0) {
            throw new IllegalArgumentException("give the size: it cannot be taken from '" + cfg + "'");
        }
        if (size % blockSize != 0) {
            throw new IllegalArgumentException("size " + size + " is not a multiple of the block size " + blockSize);
        }
        String name = params.getOrDefault(NAME, "tcmur-check");
        try {
            DeviceBackend d = h.open(new HandlerBackend.DeviceSpec(name, cfg, size, blockSize, DEFAULT_MAX_SECTORS,
                    false, ""), 1);
            d.close();
        } catch (TcmurException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(CFGSTRING, cfg);
        out.put(SIZE, Long.toString(size));
        out.put(BLOCK_SIZE, Integer.toString(blockSize));
        return out;
    }

    /** The size a file-backed config string implies: a qcow image's virtual size, or the file's size. */
    static long guessSize(String cfg) {
        Path file = backingFile(cfg);
        if (file == null) {
            return -1;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() >= 32) {
                int magic = f.readInt();
                if (magic == 0x514649fb) { // "QFI\xfb"
                    f.seek(24);
                    return f.readLong();
                }
            }
            return f.length();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The existing file a config string names: after its last '@', or the longest existing absolute path. */
    static Path backingFile(String cfg) {
        int at = cfg.lastIndexOf('@');
        if (at >= 0) {
            Path p = Path.of(cfg.substring(at + 1));
            return Files.isRegularFile(p) ? p : null;
        }
        for (int i = cfg.indexOf('/'); i >= 0; i = cfg.indexOf('/', i + 1)) {
            Path p = Path.of(cfg.substring(i));
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public SpdkRpcMapping spdkRpc() {
        return RPC;
    }

    /** {@code bdev_tcmur_create} / {@code bdev_tcmur_delete} in SPDK's style (SPDK has no such bdev). */
    static final SpdkRpcMapping RPC = new SpdkRpcMapping() {
        @Override public String createMethod() { return "bdev_tcmur_create"; }
        @Override public String deleteMethod() { return "bdev_tcmur_delete"; }
        @Override public Set<String> createParameters() {
            return Set.of("name", "cfgstring", "size", "block_size", "uuid");
        }

        @Override
        public Map<String, String> toParameters(Map<String, Object> p) {
            Map<String, String> m = new LinkedHashMap<>();
            Object cfg = p.get("cfgstring");
            if (!(cfg instanceof String s) || s.isEmpty()) {
                throw new IllegalArgumentException(cfg == null ? "missing parameter cfgstring"
                        : "cfgstring must be a string");
            }
            m.put(CFGSTRING, s);
            if (p.containsKey("size")) {
                m.put(SIZE, Long.toString(SpdkRpcMapping.integer(p, "size", true, 0)));
            }
            m.put(BLOCK_SIZE, Long.toString(SpdkRpcMapping.integer(p, "block_size", false, 512)));
            if (p.get("uuid") instanceof String u) {
                m.put(UUID, u);
            }
            return m;
        }

        @Override
        public Map<String, Object> toSpdkParameters(String name, Map<String, String> c) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("cfgstring", c.get(CFGSTRING));
            if (c.get(SIZE) != null) {
                m.put("size", Long.parseLong(c.get(SIZE)));
            }
            if (c.get(BLOCK_SIZE) != null) {
                m.put("block_size", Long.parseLong(c.get(BLOCK_SIZE)));
            }
            if (c.get(UUID) != null) {
                m.put("uuid", c.get(UUID));
            }
            return m;
        }
    };
}
