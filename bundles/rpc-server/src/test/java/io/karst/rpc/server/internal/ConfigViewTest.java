package io.karst.rpc.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import io.karst.rpc.json.JsonValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The configuration view through the registry: subsystems, framework_get_config, save_config, load_config. */
class ConfigViewTest {

    /** A subsystem of named objects created by "<prefix>_create" and removed by "<prefix>_delete". */
    static final class Objects implements RpcConfigSource {
        final String name;
        final int order;
        final List<String> deps;
        final Map<String, Map<String, Object>> objects = new LinkedHashMap<>();

        Objects(String name, int order, List<String> deps) {
            this.name = name;
            this.order = order;
            this.deps = deps;
        }

        @Override
        public String subsystem() {
            return name;
        }

        @Override
        public int order() {
            return order;
        }

        @Override
        public List<String> dependsOn() {
            return deps;
        }

        @Override
        public synchronized List<RpcCall> calls() {
            List<RpcCall> calls = new ArrayList<>();
            objects.values().forEach(p -> calls.add(new RpcCall(name + "_create", p)));
            return calls;
        }

        RpcMethod create() {
            return method(name + "_create", p -> {
                String n = p.requiredString("name");
                synchronized (this) {
                    if (objects.containsKey(n)) {
                        throw RpcException.errno(RpcException.EEXIST, "File exists");
                    }
                    Map<String, Object> stored = new LinkedHashMap<>(p.asMap());
                    stored.putIfAbsent("uuid", "u-" + n);
                    objects.put(n, stored);
                }
                return n;
            });
        }

        RpcMethod delete() {
            return method(name + "_delete", p -> {
                synchronized (this) {
                    if (objects.remove(p.requiredString("name")) == null) {
                        throw RpcException.errno(RpcException.ENODEV, "No such device");
                    }
                }
                return true;
            });
        }
    }

    static RpcMethod method(String name, java.util.function.Function<RpcParams, Object> body) {
        return new RpcMethod() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object call(RpcParams params) {
                return body.apply(params);
            }
        };
    }

    private final RpcRegistry registry = new RpcRegistry("1.2.3-test");
    private final Objects bdev = new Objects("bdev", 100, List.of());
    private final Objects nbd = new Objects("nbd", 300, List.of("bdev", "scsi"));
    private final Objects scsi = new Objects("scsi", 200, List.of("bdev"));

    ConfigViewTest() {
        registry.addConfigSource(nbd, "test.nbd", 3);
        registry.addConfigSource(bdev, "test.bdev", 1);
        registry.addConfigSource(scsi, "test.scsi", 2);
        long id = 10;
        for (Objects o : List.of(bdev, nbd, scsi)) {
            registry.addMethod(o.create(), "test", id++);
            registry.addMethod(o.delete(), "test", id++);
        }
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void subsystemsInOrderWithEarlierDependencies() {
        assertThat(JsonValues.write(registry.call("framework_get_subsystems", null))).isEqualTo(
                "[{\"subsystem\":\"bdev\",\"depends_on\":[]},{\"subsystem\":\"scsi\",\"depends_on\":[\"bdev\"]},"
                        + "{\"subsystem\":\"nbd\",\"depends_on\":[\"bdev\",\"scsi\"]}]");
        Objects late = new Objects("early", 1, List.of("nbd"));
        registry.addConfigSource(late, "x", 9);
        assertThat(JsonValues.write(registry.call("framework_get_subsystems", null)))
                .startsWith("[{\"subsystem\":\"early\",\"depends_on\":[]}");
        registry.removeConfigSource(late);
    }

    @Test
    void getConfigAndSaveConfig() {
        registry.call("bdev_create", ordered("name", "M0", "size", 8));
        registry.call("nbd_create", ordered("name", "N0", "bdev", "M0"));
        assertThat(JsonValues.write(registry.call("framework_get_config", Map.of("name", "bdev", "with_batches", false))))
                .isEqualTo("[{\"method\":\"bdev_create\",\"params\":{\"name\":\"M0\",\"size\":8,\"uuid\":\"u-M0\"}}]");
        assertThatThrownBy(() -> registry.call("framework_get_config", Map.of("name", "iscsi")))
                .isInstanceOf(RpcException.class).hasMessage("Subsystem 'iscsi' not found")
                .extracting(e -> ((RpcException) e).code()).isEqualTo(-32602);
        assertThatThrownBy(() -> registry.call("framework_get_config", Map.of()))
                .extracting(e -> ((RpcException) e).code()).isEqualTo(-32602);
        assertThat(JsonValues.write(registry.call("save_config", null))).isEqualTo("{\"subsystems\":["
                + "{\"subsystem\":\"bdev\",\"config\":[{\"method\":\"bdev_create\",\"params\":{\"name\":\"M0\",\"size\":8,\"uuid\":\"u-M0\"}}]},"
                + "{\"subsystem\":\"scsi\",\"config\":[]},"
                + "{\"subsystem\":\"nbd\",\"config\":[{\"method\":\"nbd_create\",\"params\":{\"name\":\"N0\",\"bdev\":\"M0\",\"uuid\":\"u-N0\"}}]}]}");
    }

    @Test
    void saveDeleteLoadRoundTripThenLoadingAgainSkipsEverything() throws Exception {
        registry.call("bdev_create", Map.of("name", "M0", "size", 8));
        registry.call("bdev_create", Map.of("name", "M1", "size", 16));
        registry.call("nbd_create", Map.of("name", "N0", "bdev", "M1"));
        Object saved = JsonValues.parse(JsonValues.write(registry.call("save_config", null)));
        registry.call("nbd_delete", Map.of("name", "N0"));
        registry.call("bdev_delete", Map.of("name", "M1"));
        assertThat(bdev.objects).containsOnlyKeys("M0");

        Map<String, Object> report = registry.loadConfig(saved, Duration.ZERO);
        assertThat(report).containsEntry("applied", 2).containsEntry("skipped", 1).containsEntry("failed", 0);
        assertThat(bdev.objects).containsOnlyKeys("M0", "M1");
        assertThat(nbd.objects).containsOnlyKeys("N0");
        assertThat(JsonValues.write(registry.call("save_config", null))).isEqualTo(JsonValues.write(saved));

        @SuppressWarnings("unchecked")
        Map<String, Object> again = (Map<String, Object>) registry.call("load_config", (Map<String, Object>) saved);
        assertThat(again).containsEntry("applied", 0).containsEntry("skipped", 3);
    }

    @Test
    void loadReportsEveryFailureAndGoesOn() throws Exception {
        registry.call("bdev_create", Map.of("name", "M0", "size", 8));
        Object doc = JsonValues.parse("""
                {"subsystems": [
                  {"subsystem": "bdev", "config": [
                    {"method": "bdev_create", "params": {"name": "M0", "size": 99}},
                    [{"method": "bdev_create", "params": {"name": "B1"}}, {"method": "bdev_unknown", "params": {}}],
                    {"method": "bdev_create", "params": {"name": "M2"}}
                  ]},
                  {"subsystem": "iscsi", "config": null},
                  {"subsystem": "nbd", "config": []}
                ]}""");
        assertThatThrownBy(() -> registry.loadConfig(doc, Duration.ZERO)).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(-17);
            assertThat(e.getMessage()).isEqualTo("load_config: 2 applied, 0 skipped, 2 failed: bdev_create M0 (bdev #1):"
                    + " File exists (-17); bdev_unknown (bdev #2.2): Method not found (-32601)");
            assertThat(JsonValues.write(e.data())).contains("{\"subsystem\":\"bdev\",\"method\":\"bdev_create\",\"name\":\"B1\",\"status\":\"applied\"}");
        });
        assertThat(bdev.objects).containsOnlyKeys("M0", "B1", "M2");
    }

    @Test
    void malformedDocumentsApplyNothing() {
        for (String bad : new String[] {"[]", "{}", "{\"subsystems\": {}}", "{\"subsystems\": [1]}",
                "{\"subsystems\": [{\"config\": []}]}", "{\"subsystems\": [{\"subsystem\": \"bdev\", \"config\": {}}]}",
                "{\"subsystems\": [{\"subsystem\": \"bdev\", \"config\": [{\"method\": \"bdev_create\", \"params\": {\"name\": \"ok\"}}, {\"params\": {}}]}]}",
                "{\"subsystems\": [{\"subsystem\": \"bdev\", \"config\": [{\"method\": \"bdev_create\", \"params\": [1]}]}]}"}) {
            assertThatThrownBy(() -> registry.loadConfig(JsonValues.parse(bad), Duration.ZERO)).as(bad)
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(-32602));
        }
        assertThat(bdev.objects).isEmpty();
    }

    @Test
    void loadWaitsForMethodsThatAreNotThereYet() throws Exception {
        Objects late = new Objects("late", 500, List.of());
        Object doc = JsonValues.parse("{\"subsystems\": [{\"subsystem\": \"late\", \"config\": ["
                + "{\"method\": \"late_create\", \"params\": {\"name\": \"L\"}}]}]}");
        CompletableFuture<Map<String, Object>> load = CompletableFuture.supplyAsync(
                () -> registry.loadConfig(doc, Duration.ofSeconds(30)));
        Thread.sleep(200);
        assertThat(load).isNotDone();
        registry.addConfigSource(late, "late", 50);
        registry.addMethod(late.create(), "late", 51);
        assertThat(load.get(10, TimeUnit.SECONDS)).containsEntry("applied", 1);
        assertThat(late.objects).containsOnlyKeys("L");
    }

    @Test
    void duplicateMethodNamesKeepTheFirstAndFallBackToTheNext() {
        RpcMethod first = method("dup", p -> "first");
        RpcMethod second = method("dup", p -> "second");
        registry.addMethod(second, "b", 200);
        registry.addMethod(first, "a", 100);
        assertThat(registry.call("dup", null)).isEqualTo("first");
        registry.removeMethod(first);
        assertThat(registry.call("dup", null)).isEqualTo("second");
        registry.removeMethod(second);
        assertThatThrownBy(() -> registry.call("dup", null)).extracting(e -> ((RpcException) e).code()).isEqualTo(-32601);
        registry.addMethod(method("rpc_get_methods", p -> "shadow"), "c", 300);
        assertThat(registry.call("rpc_get_methods", null)).isInstanceOf(List.class);
    }

    @Test
    void builtInMethods() {
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) registry.call("rpc_get_methods", Map.of("current", true, "include_aliases", false));
        assertThat(names).contains("rpc_get_methods", "spdk_get_version", "framework_get_subsystems",
                "framework_get_config", "save_config", "load_config", "bdev_create").isSorted();
        assertThatThrownBy(() -> registry.call("rpc_get_methods", Map.of("current", "yes")))
                .extracting(e -> ((RpcException) e).code()).isEqualTo(-32602);
        assertThat(JsonValues.write(registry.call("spdk_get_version", null))).isEqualTo(
                "{\"version\":\"Karst v1.2.3-test\",\"fields\":{\"major\":1,\"minor\":2,\"patch\":3,\"suffix\":\"-test\"}}");
        assertThatThrownBy(() -> registry.call("spdk_get_version", Map.of("x", 1)))
                .extracting(e -> ((RpcException) e).code()).isEqualTo(-32602);
    }
}
