package io.karst.bdev.virtual.internal;

import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** SPDK's methods for the virtual bdevs: {@code bdev_passthru_*}, {@code bdev_delay_*}, {@code bdev_error_*}. */
class StackedSpdkRpc implements SpdkRpcMapping {
    /** {@code bdev_passthru_create {name, base_bdev_name, uuid}}. */
    static final StackedSpdkRpc PASSTHRU = new StackedSpdkRpc("bdev_passthru_create", "bdev_passthru_delete",
            "base_bdev_name", Set.of("name", "base_bdev_name", "uuid"), false);
    /** {@code bdev_delay_create {name, base_bdev_name, avg/p99 read/write latency (us), uuid}}. */
    static final StackedSpdkRpc DELAY = new StackedSpdkRpc("bdev_delay_create", "bdev_delay_delete",
            "base_bdev_name", Set.of("name", "base_bdev_name", "uuid", "avg_read_latency", "p99_read_latency",
            "avg_write_latency", "p99_write_latency", "other_latency"), true);
    /** {@code bdev_error_create {base_name, uuid}}: the bdev is named {@code EE_<base>}, as in SPDK. */
    static final StackedSpdkRpc ERROR = new StackedSpdkRpc("bdev_error_create", "bdev_error_delete", "base_name",
            Set.of("base_name", "uuid"), false) {
        @Override
        public String nameOf(Map<String, Object> p) {
            return "EE_" + SpdkRpcMapping.string(p, "base_name", true);
        }
    };

    private final String create;
    private final String delete;
    private final String baseParameter;
    private final Set<String> parameters;
    private final boolean latencies;

    private StackedSpdkRpc(String create, String delete, String baseParameter, Set<String> parameters,
                           boolean latencies) {
        this.create = create;
        this.delete = delete;
        this.baseParameter = baseParameter;
        this.parameters = parameters;
        this.latencies = latencies;
    }

    @Override
    public String createMethod() {
        return create;
    }

    @Override
    public String deleteMethod() {
        return delete;
    }

    @Override
    public Set<String> createParameters() {
        return parameters;
    }

    @Override
    public Map<String, String> toParameters(Map<String, Object> p) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(VirtualBdevTypes.BASE_BDEV, SpdkRpcMapping.string(p, baseParameter, true));
        if (latencies) {
            for (String l : VirtualBdevTypes.LATENCIES) {
                boolean required = !l.equals("other_latency"); // SPDK requires the four it knows
                out.put(l, Long.toString(SpdkRpcMapping.integer(p, l, required, 0)));
            }
        }
        String uuid = SpdkRpcMapping.string(p, BdevType.UUID, false);
        if (uuid != null) {
            out.put(BdevType.UUID, uuid);
        }
        return out;
    }

    @Override
    public Map<String, Object> toSpdkParameters(String name, Map<String, String> configuration) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!(this == ERROR)) {
            out.put("name", name);
        }
        out.put(baseParameter, configuration.get(VirtualBdevTypes.BASE_BDEV));
        if (latencies) {
            for (String l : VirtualBdevTypes.LATENCIES) {
                long v = Long.parseLong(configuration.getOrDefault(l, "0"));
                if (!l.equals("other_latency") || v != 0) {
                    out.put(l, v);
                }
            }
        }
        if (configuration.get(BdevType.UUID) != null) {
            out.put("uuid", configuration.get(BdevType.UUID));
        }
        return out;
    }
}
