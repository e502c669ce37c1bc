package io.karst.bdev.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevException;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.malloc.MallocBdevType;
import io.karst.bdev.spi.SizedSpdkRpc;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcParams;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bdev RPC methods against the real bdev core; bdev administration is stood in for by a small in-memory one
 * that creates RAM bdevs (the methods' mapping and error answers are what is tested here; the real administration
 * and the socket are tested end to end in the itests).
 */
class BdevRpcTest {
    private final BdevHarness harness = new BdevHarness();
    private final RamOnlyAdmin admin = new RamOnlyAdmin();
    private final Map<String, Method> methods = new LinkedHashMap<>();

    BdevRpcTest() {
        for (Method m : BdevRpcMethods.methods(harness.registry(), admin)) {
            methods.put(m.name(), m);
        }
        MallocBdevType malloc = new MallocBdevType();
        for (Method m : BdevRpcMethods.typeMethods(malloc, malloc.spdkRpc(), harness.registry(), admin)) {
            methods.put(m.name(), m);
        }
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private Object call(String method, Map<String, Object> params) {
        return methods.get(method).call(RpcParams.of(params));
    }

    private static int code(Runnable r) {
        try {
            r.run();
        } catch (RpcException e) {
            return e.code();
        }
        throw new AssertionError("no error");
    }

    @Test
    @SuppressWarnings("unchecked")
    void createGetAndDeleteLikeSpdk() {
        assertThat(call("bdev_malloc_create", Map.of("num_blocks", 2048, "block_size", 4096))).isEqualTo("Malloc0");
        assertThat(call("bdev_malloc_create", Map.of("name", "M1", "num_blocks", 16384L, "block_size", 512,
                "uuid", "3f6f2d3a-1d2c-4c5e-9a8b-0c1d2e3f4a5b"))).isEqualTo("M1");
        assertThat(call("bdev_malloc_create", Map.of("num_blocks", 8, "block_size", 512))).isEqualTo("Malloc1");

        List<Map<String, Object>> all = (List<Map<String, Object>>) call("bdev_get_bdevs", Map.of());
        assertThat(all).extracting(m -> m.get("name")).containsExactly("M1", "Malloc0", "Malloc1");
        Map<String, Object> m1 = ((List<Map<String, Object>>) call("bdev_get_bdevs", Map.of("name", "M1"))).get(0);
        assertThat(m1).containsEntry("block_size", 512).containsEntry("num_blocks", 16384L)
                .containsEntry("uuid", "3f6f2d3a-1d2c-4c5e-9a8b-0c1d2e3f4a5b").containsEntry("claimed", false)
                .containsEntry("product_name", "Malloc disk").containsKeys("aliases", "assigned_rate_limits",
                        "supported_io_types", "driver_specific", "zoned");
        Map<String, Object> types = (Map<String, Object>) m1.get("supported_io_types");
        assertThat(types).containsEntry("read", true).containsEntry("write_zeroes", true)
                .containsEntry("compare_and_write", false).containsEntry("nvme_io", false);

        try (var d = harness.registry().open("M1", OpenOptions.exclusive("passthru bdev P"))) {
            Map<String, Object> claimed = ((List<Map<String, Object>>) call("bdev_get_bdevs", Map.of("name", "M1")))
                    .get(0);
            assertThat(claimed).containsEntry("claimed", true).containsEntry("claim_type", "exclusive_write");
        }

        Map<String, Object> iostat = (Map<String, Object>) call("bdev_get_iostat", Map.of("name", "M1"));
        assertThat(iostat).containsEntry("tick_rate", 1_000_000_000L).containsKey("ticks");
        assertThat((List<Map<String, Object>>) iostat.get("bdevs")).singleElement()
                .satisfies(s -> assertThat(s).containsEntry("name", "M1").containsEntry("num_read_ops", 0L)
                        .containsKeys("bytes_written", "read_latency_ticks", "max_write_latency_ticks"));

        assertThat(call("bdev_malloc_delete", Map.of("name", "M1"))).isEqualTo(true);
        assertThat(harness.registry().find("M1")).isEmpty();
    }

    @Test
    void badCallsGetSpdkErrorCodes() {
        assertThat(code(() -> call("bdev_malloc_create", Map.of("name", "X", "block_size", 512))))
                .isEqualTo(RpcException.INVALID_PARAMS); // num_blocks missing
        assertThat(code(() -> call("bdev_malloc_create", Map.of("name", "X", "num_blocks", "many",
                "block_size", 512)))).isEqualTo(RpcException.INVALID_PARAMS);
        assertThat(code(() -> call("bdev_malloc_create", Map.of("name", "X", "num_blocks", 8, "block_size", 512,
                "colour", "blue")))).isEqualTo(RpcException.INVALID_PARAMS);
        assertThatThrownBy(() -> call("bdev_malloc_create", Map.of("name", "X", "num_blocks", 8, "block_size", 512,
                "md_size", 8))).hasMessageContaining("md_size = 8 is not supported");
        assertThat(code(() -> call("bdev_malloc_create", Map.of("name", "X", "num_blocks", 8, "block_size", 1000))))
                .isEqualTo(RpcException.INVALID_PARAMS);
        call("bdev_malloc_create", Map.of("name", "X", "num_blocks", 8, "block_size", 512));
        assertThat(code(() -> call("bdev_malloc_create", Map.of("name", "X", "num_blocks", 8, "block_size", 512))))
                .isEqualTo(-RpcException.EEXIST);
        assertThat(code(() -> call("bdev_get_bdevs", Map.of("name", "Nope")))).isEqualTo(-RpcException.ENODEV);
        assertThat(code(() -> call("bdev_get_bdevs", Map.of("name", 7)))).isEqualTo(RpcException.INVALID_PARAMS);
        assertThat(code(() -> call("bdev_malloc_delete", Map.of("name", "Nope")))).isEqualTo(-RpcException.ENODEV);
        assertThat(code(() -> call("bdev_null_resize", Map.of("name", "X", "new_size", 4))))
                .as("a malloc bdev is not a null bdev").isEqualTo(-RpcException.ENODEV);
    }

    @Test
    void getBdevsWaitsForABdevThatComesWithinTheTimeout() throws Exception {
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            call("bdev_malloc_create", Map.of("name", "Late", "num_blocks", 8, "block_size", 512));
        });
        later.start();
        assertThat(call("bdev_get_bdevs", Map.of("name", "Late", "timeout", 5000))).asList().hasSize(1);
        later.join();
    }

    @Test
    void savedParametersRecreateTheSameBdev() {
        Map<String, String> config = Map.of("type", "malloc", "size", "1048576", "block_size", "4096", "uuid",
                "3f6f2d3a-1d2c-4c5e-9a8b-0c1d2e3f4a5b");
        Map<String, Object> spdk = SizedSpdkRpc.MALLOC.toSpdkParameters("M9", config);
        assertThat(spdk).containsEntry("name", "M9").containsEntry("num_blocks", 256L).containsEntry("block_size",
                4096L).containsEntry("uuid", "3f6f2d3a-1d2c-4c5e-9a8b-0c1d2e3f4a5b");
        assertThat(SizedSpdkRpc.MALLOC.toParameters(spdk)).containsEntry("size", "1048576")
                .containsEntry("block_size", "4096").containsEntry("uuid", "3f6f2d3a-1d2c-4c5e-9a8b-0c1d2e3f4a5b");
    }

    /** Just enough administration for the methods: RAM bdevs by name, registered with the real core. */
    private final class RamOnlyAdmin implements BdevAdmin {
        private final Map<String, MallocBdev> devices = new LinkedHashMap<>();
        private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();

        @Override
        public List<TypeInfo> types() {
            return List.of();
        }

        @Override
        public Bdev create(String type, String name, List<String> arguments) {
            throw new UnsupportedOperationException();
        }

        @Override
        public synchronized Bdev create(String type, String name, Map<String, String> parameters) {
            if (harness.registry().find(name).isPresent()) {
                throw new BdevException(BdevException.Reason.EXISTS, "a bdev named " + name + " already exists");
            }
            Map<String, Object> props = new MallocBdevType().configure(Map.of("size", parameters.get("size"),
                    "block_size", parameters.get("block_size")));
            int bs = Integer.parseInt((String) props.get("block_size"));
            String uuid = parameters.get("uuid");
            MallocBdev dev = new MallocBdev(name, uuid == null ? UUID.randomUUID() : UUID.fromString(uuid), bs,
                    Long.parseLong((String) props.get("size")) / bs);
            devices.put(name, dev);
            Map<String, String> c = new LinkedHashMap<>(parameters);
            c.put("type", type);
            configs.put(name, c);
            return harness.register(dev);
        }

        @Override
        public synchronized void delete(String name) {
            MallocBdev dev = devices.remove(name);
            configs.remove(name);
            if (dev == null) {
                throw new BdevException(BdevException.Reason.NOT_FOUND, "no bdev named " + name);
            }
            harness.unregister(dev);
            dev.destroy();
        }

        @Override
        public Bdev resize(String name, long newSizeBytes) {
            throw new BdevException(BdevException.Reason.UNSUPPORTED, "not here");
        }

        @Override
        public void reconfigure(String name, Map<String, String> changes) {
            throw new BdevException(BdevException.Reason.UNSUPPORTED, "not here");
        }

        @Override
        public synchronized boolean isConfigured(String name) {
            return configs.containsKey(name);
        }

        @Override
        public synchronized List<String> configuredNames() {
            return List.copyOf(configs.keySet());
        }

        @Override
        public synchronized Map<String, String> configuration(String name) {
            return configs.get(name);
        }

        @Override
        public void resetStatistics(String name) {
        }

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(1);
        }
    }
}
