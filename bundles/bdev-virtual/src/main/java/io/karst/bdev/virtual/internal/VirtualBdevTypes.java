package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** The creatable virtual types: passthru, delay and error, each over a base bdev. */
public final class VirtualBdevTypes {
    public static final String BASE_BDEV = "base_bdev";
    static final String PASSTHRU_PID = "io.karst.bdev.passthru";
    static final String DELAY_PID = "io.karst.bdev.delay";
    static final String ERROR_PID = "io.karst.bdev.error";
    static final String[] LATENCIES = {"avg_read_latency", "p99_read_latency", "avg_write_latency",
            "p99_write_latency", "other_latency"};

    private VirtualBdevTypes() {
    }

    static Parameter base() {
        return new Parameter(BASE_BDEV, "the bdev to stack on (claimed exclusively)", Parameter.Kind.BDEV, true, null);
    }

    static Map<String, Object> baseOnly(Map<String, String> params) {
        return Map.of(BASE_BDEV, params.get(BASE_BDEV));
    }

    /** {@code passthru}. */
    @Component(service = BdevType.class)
    public static final class Passthru implements BdevType {
        @Override public String name() { return "passthru"; }
        @Override public String description() { return "passes I/O to a base bdev it claims exclusively"; }
        @Override public String factoryPid() { return PASSTHRU_PID; }
        @Override public List<Parameter> parameters() { return List.of(base()); }
        @Override public Map<String, Object> configure(Map<String, String> params) { return baseOnly(params); }
        @Override public SpdkRpcMapping spdkRpc() { return StackedSpdkRpc.PASSTHRU; }
    }

    /** {@code error}. */
    @Component(service = BdevType.class)
    public static final class Error implements BdevType {
        @Override public String name() { return "error"; }
        @Override public String description() { return "passes I/O to a base bdev, failing what bdev:inject-error"
                + " says"; }
        @Override public String factoryPid() { return ERROR_PID; }
        @Override public List<Parameter> parameters() { return List.of(base()); }
        @Override public Map<String, Object> configure(Map<String, String> params) { return baseOnly(params); }
        @Override public SpdkRpcMapping spdkRpc() { return StackedSpdkRpc.ERROR; }
    }

    /** {@code delay}. */
    @Component(service = BdevType.class)
    public static final class Delay implements BdevType {
        @Override public String name() { return "delay"; }
        @Override public String description() { return "adds latency (microseconds, per I/O type) to a base bdev"; }
        @Override public String factoryPid() { return DELAY_PID; }
        @Override public SpdkRpcMapping spdkRpc() { return StackedSpdkRpc.DELAY; }

        @Override
        public List<Parameter> parameters() {
            List<Parameter> p = new ArrayList<>();
            p.add(base());
            for (String l : LATENCIES) {
                p.add(new Parameter(l, l.replace('_', ' ') + " in microseconds", Parameter.Kind.INTEGER, false,
                        "0"));
            }
            return p;
        }

        @Override
        public Map<String, Object> configure(Map<String, String> params) {
            Map<String, Object> out = new LinkedHashMap<>(baseOnly(params));
            for (String l : LATENCIES) {
                long v = Long.parseLong(params.get(l));
                if (v < 0 || v > 60_000_000L) {
                    throw new IllegalArgumentException(l + " must be between 0 and 60000000 microseconds");
                }
                out.put(l, Long.toString(v));
            }
            return out;
        }
    }
}
