package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import io.karst.rpc.client.RpcClient;
import io.karst.rpc.json.JsonValues;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * The JSON-RPC server inside the real distribution, through its real Unix domain socket and Karst's own client: the
 * methods of the framework and of the bdev bundle, every kind of malformed input answered with SPDK's error codes,
 * concurrent clients, methods and configuration sources that come and go with their services (registered from
 * this probe), save_config / delete / load_config with bdevs, the configuration file applied at startup, the rpc:*
 * commands and the MBean, and a restart of the server bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JsonRpcTest extends KarstContainerTestSupport {
    /** The file etc/io.karst.rpc.cfg names as load.config: it calls a method this probe registers. */
    private static final String STARTUP_CONFIG = """
            {"subsystems": [{"subsystem": "itest", "config": [
              {"method": "itest_object_create", "params": {"name": "from-startup-file", "size": 7}}
            ]}]}""";

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    /** Objects of the "itest" subsystem (static: the startup file may be applied before a test method runs). */
    private static final Map<String, Map<String, Object>> OBJECTS = new ConcurrentHashMap<>();

    @Override
    protected Option[] extraOptions() {
        try {
            File dir = new File(System.getProperty("project.build.directory", "target"), "jsonrpc");
            Files.createDirectories(dir.toPath());
            Path startup = dir.toPath().resolve("startup.json").toAbsolutePath();
            Files.writeString(startup, STARTUP_CONFIG);
            return new Option[] {
                editConfigurationFilePut("etc/io.karst.rpc.cfg", "load.config", startup.toString()),
                editConfigurationFilePut("etc/io.karst.rpc.cfg", "load.config.wait.ms", "300000"),
                editConfigurationFilePut("etc/io.karst.rpc.cfg", "max.request.bytes", "1048576"),
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path socket;

    @Before
    public void awaitServer() throws Exception {
        socket = Path.of(System.getProperty("karst.jsonrpc.socket"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (RpcClient c = RpcClient.connect(socket)) {
                if (((List<?>) c.call("rpc_get_methods")).contains("bdev_malloc_create")) {
                    break;
                }
            } catch (IOException e) {
                // starting
            }
            Thread.sleep(200);
        }
        registerItestSubsystem();
    }

    @After
    public void unregister() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // already
            }
        }
    }

    private RpcClient client() throws IOException {
        return RpcClient.connect(socket).timeout(Duration.ofSeconds(60));
    }

    private ServiceRegistration<RpcMethod> register(String name, Function<RpcParams, Object> body) {
        ServiceRegistration<RpcMethod> r = bundleContext.registerService(RpcMethod.class, new RpcMethod() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object call(RpcParams params) {
                return body.apply(params);
            }
        }, null);
        registrations.add(r);
        return r;
    }

    /** A subsystem "itest" of named objects, as a capability bundle would register it. */
    private void registerItestSubsystem() {
        register("itest_object_create", p -> {
            String name = p.requiredString("name");
            Map<String, Object> stored = new LinkedHashMap<>(p.asMap());
            if (OBJECTS.putIfAbsent(name, stored) != null) {
                throw RpcException.errno(RpcException.EEXIST, "File exists");
            }
            return name;
        });
        register("itest_object_delete", p -> {
            if (OBJECTS.remove(p.requiredString("name")) == null) {
                throw RpcException.errno(RpcException.ENODEV, "No such device");
            }
            return true;
        });
        registrations.add(bundleContext.registerService(RpcConfigSource.class, new RpcConfigSource() {
            @Override
            public String subsystem() {
                return "itest";
            }

            @Override
            public int order() {
                return 900;
            }

            @Override
            public List<String> dependsOn() {
                return List.of("bdev");
            }

            @Override
            public List<RpcCall> calls() {
                List<RpcCall> calls = new ArrayList<>();
                OBJECTS.values().forEach(o -> calls.add(new RpcCall("itest_object_create", o)));
                return calls;
            }
        }, null));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static int errorCode(Object response) {
        return ((Number) map(map(response).get("error")).get("code")).intValue();
    }

    private static RpcException expectError(RpcClient c, String method, Map<String, ?> params) throws IOException {
        try {
            Object r = c.call(method, params);
            fail(method + " should fail, returned " + JsonValues.write(r));
            return null;
        } catch (RpcException e) {
            return e;
        }
    }

    // ------------------------------------------------------------------ the basics

    @Test
    public void socketIsPrivateAndAnswersTheFrameworkMethods() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        try (RpcClient c = client()) {
            List<?> methods = (List<?>) c.call("rpc_get_methods", Map.of("current", true, "include_aliases", false));
            for (String m : new String[] {"rpc_get_methods", "spdk_get_version", "framework_get_subsystems",
                "framework_get_config", "save_config", "load_config", "bdev_get_bdevs", "bdev_malloc_create",
                "itest_object_create"}) {
                assertTrue(m + " in " + methods, methods.contains(m));
            }
            Map<String, Object> version = map(c.call("spdk_get_version"));
            assertTrue(version.toString(), version.get("version").toString().startsWith("Karst v"));
            assertTrue(version.toString(), map(version.get("fields")).containsKey("major"));
            List<?> subsystems = (List<?>) c.call("framework_get_subsystems");
            assertEquals(JsonValues.parse("{\"subsystem\":\"bdev\",\"depends_on\":[]}"), subsystems.get(0));
            assertTrue(subsystems.toString(), subsystems.contains(JsonValues.parse(
                    "{\"subsystem\":\"itest\",\"depends_on\":[\"bdev\"]}")));
            List<?> bdevs = (List<?>) c.call("bdev_get_bdevs", Map.of("name", "Malloc0"));
            assertEquals("708939a0-91df-4d5a-9ad7-26ab9d323198", map(bdevs.get(0)).get("uuid"));
        }
    }

    @Test
    public void everyMalformedRequestGetsSpdksErrorCode() throws Exception {
        try (RpcClient c = client()) {
            assertEquals(-32601, expectError(c, "no_such_method", null).code());
            assertEquals(-32602, expectError(c, "framework_get_config", Map.of("name", List.of(1))).code());
            assertEquals(-32602, expectError(c, "bdev_malloc_create", Map.of("name", "X", "num_blocks", "many",
                    "block_size", 512)).code());
            assertEquals(-32602, expectError(c, "framework_get_config", Map.of("name", "nvmf")).code());
            assertEquals(-19, expectError(c, "bdev_get_bdevs", Map.of("name", "NoSuchBdev")).code());
            assertEquals(-17, expectError(c, "bdev_malloc_create", Map.of("name", "Malloc0", "num_blocks", 8,
                    "block_size", 512)).code());

            // a batch of good, bad and a notification; ids of every kind come back as they were
            c.sendRaw(("[{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_version\",\"id\":\"s\"},"
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":123456789012345678901234567890},"
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_version\"},"
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_version\",\"id\":{\"object\":1}},"
                    + "{\"jsonrpc\":\"2.0\",\"method\":\"framework_get_config\",\"params\":{\"name\":5},\"id\":2.5}]")
                    .getBytes(StandardCharsets.UTF_8));
            List<?> batch = (List<?>) c.read();
            assertEquals(batch.toString(), 4, batch.size());
            assertEquals("s", map(batch.get(0)).get("id"));
            assertNotNull(map(batch.get(0)).get("result"));
            assertEquals(new BigInteger("123456789012345678901234567890"), map(batch.get(1)).get("id"));
            assertEquals(-32601, errorCode(batch.get(1)));
            assertNull(map(batch.get(2)).get("id"));
            assertEquals(-32600, errorCode(batch.get(2)));
            assertEquals(2.5, map(batch.get(3)).get("id"));
            assertEquals(-32602, errorCode(batch.get(3)));
            // the connection still serves
            assertNotNull(c.call("spdk_get_version"));
        }
        // garbage: answered, then closed
        try (RpcClient c = client()) {
            c.sendRaw(new byte[] {'{', (byte) 0xff, '}', '}', 0});
            Map<String, Object> r = map(c.read());
            assertEquals(-32700, errorCode(r));
            assertNull(r.get("id"));
            assertNull("closed after a parse error", c.readOrClosed(Duration.ofSeconds(10)));
        }
        // truncated: answered at the end of the input
        try (RpcClient c = client()) {
            c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_ver".getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertEquals(-32700, errorCode(c.read()));
            assertNull(c.readOrClosed(Duration.ofSeconds(10)));
        }
        // huge (max.request.bytes = 1 MiB here): refused without reading it all, other clients unaffected
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket)); RpcClient other = client()) {
            raw.write(ByteBuffer.wrap("{\"method\":\"spdk_get_version\",\"id\":1,\"params\":{\"x\":\""
                    .getBytes(StandardCharsets.UTF_8)));
            byte[] junk = new byte[256 * 1024];
            Arrays.fill(junk, (byte) 'x');
            try {
                for (int i = 0; i < 64; i++) {
                    raw.write(ByteBuffer.wrap(junk));
                }
            } catch (IOException closedByServer) {
                // expected once the server answered
            }
            assertNotNull(other.call("spdk_get_version"));
            raw.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(8192);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && raw.read(in) >= 0) {
                if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                    break;
                }
            }
            Object answer = JsonValues.parse(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).trim());
            assertEquals(-32600, errorCode(answer));
        }
    }

    @Test
    public void concurrentClients() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    int ok = 0;
                    try (RpcClient c = client()) {
                        for (int i = 0; i < 50; i++) {
                            List<?> bdevs = (List<?>) c.call("bdev_get_bdevs", Map.of("name", "Malloc0"));
                            ok += bdevs.size();
                            ok += ((List<?>) c.call("rpc_get_methods")).isEmpty() ? 0 : 1;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(100, (int) f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ the registry

    @Test
    public void methodsComeAndGoWithTheirServicesAndTheFirstOfADuplicateServes() throws Exception {
        try (RpcClient c = client()) {
            assertEquals(-32601, expectError(c, "itest_echo", null).code());
            ServiceRegistration<RpcMethod> first = register("itest_echo", p -> Map.of("from", "first", "params", p.asMap()));
            ServiceRegistration<RpcMethod> second = register("itest_echo", p -> Map.of("from", "second"));
            assertEquals(Map.of("from", "first", "params", Map.of("x", 1)), c.call("itest_echo", Map.of("x", 1)));
            first.unregister();
            assertEquals(Map.of("from", "second"), c.call("itest_echo", null));
            second.unregister();
            assertEquals(-32601, expectError(c, "itest_echo", null).code());
            register("itest_fail", p -> {
                throw new IllegalStateException("internal detail that must not leak");
            });
            RpcException e = expectError(c, "itest_fail", null);
            assertEquals(-32603, e.code());
            assertFalse(String.valueOf(e.data()), String.valueOf(e.data()).contains("internal detail"));
        }
    }

    // ------------------------------------------------------------------ configuration

    @Test
    public void saveDeleteLoadRoundTripWithBdevs() throws Exception {
        try (RpcClient c = client()) {
            assertEquals("RpcRam1", c.call("bdev_malloc_create", Map.of("name", "RpcRam1", "num_blocks", 4096,
                    "block_size", 512)));
            assertEquals("RpcPt1", c.call("bdev_passthru_create", Map.of("name", "RpcPt1", "base_bdev_name", "RpcRam1")));
            c.call("itest_object_create", Map.of("name", "obj1", "size", 42));
            Map<String, Object> saved = map(c.call("save_config"));
            String savedText = JsonValues.write(saved);
            assertTrue(savedText, savedText.contains("\"bdev_malloc_create\"") && savedText.contains("RpcRam1")
                    && savedText.contains("\"bdev_passthru_create\"") && savedText.contains("obj1"));
            List<?> subsystems = (List<?>) saved.get("subsystems");
            assertEquals("bdev", map(subsystems.get(0)).get("subsystem"));
            String uuid = (String) map(((List<?>) c.call("bdev_get_bdevs", Map.of("name", "RpcRam1"))).get(0)).get("uuid");

            c.call("bdev_passthru_delete", Map.of("name", "RpcPt1"));
            c.call("bdev_malloc_delete", Map.of("name", "RpcRam1"));
            c.call("itest_object_delete", Map.of("name", "obj1"));
            assertEquals(-19, expectError(c, "bdev_get_bdevs", Map.of("name", "RpcRam1")).code());

            Map<String, Object> params = new LinkedHashMap<>(saved);
            params.put("wait_ms", 10000);
            Map<String, Object> report = map(c.call("load_config", params));
            assertEquals(report.toString(), 0, ((Number) report.get("failed")).intValue());
            assertEquals(report.toString(), 3, ((Number) report.get("applied")).intValue());
            assertEquals(uuid, map(((List<?>) c.call("bdev_get_bdevs", Map.of("name", "RpcRam1"))).get(0)).get("uuid"));
            assertNotNull(c.call("bdev_get_bdevs", Map.of("name", "RpcPt1")));
            assertEquals(42, OBJECTS.get("obj1").get("size"));
            assertEquals(savedText, JsonValues.write(c.call("save_config")));

            Map<String, Object> again = map(c.call("load_config", saved));
            assertEquals(again.toString(), 0, ((Number) again.get("applied")).intValue());

            c.call("bdev_passthru_delete", Map.of("name", "RpcPt1"));
            c.call("bdev_malloc_delete", Map.of("name", "RpcRam1"));
        }
    }

    @Test
    public void theStartupConfigurationFileWasApplied() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!OBJECTS.containsKey("from-startup-file") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(Map.of("name", "from-startup-file", "size", 7), OBJECTS.get("from-startup-file"));
        // "1 applied, 0 skipped" at boot; "0 applied, 1 skipped" if the server bundle was restarted since
        String info = awaitCommand("rpc:info", out -> out.contains("startup.json: "), Duration.ofSeconds(30));
        assertTrue(info, info.contains("loaded ") && info.contains("1 applied, 0 skipped")
                || info.contains("0 applied, 1 skipped"));
    }

    // ------------------------------------------------------------------ shell and bundle life cycle

    @Test
    public void shellCommandsAreDoorsToTheSameMethods() throws Exception {
        String version = executeCommand("rpc:call spdk_get_version");
        assertTrue(version, version.contains("\"version\": \"Karst v"));
        String config = executeCommand("rpc:call framework_get_config name=bdev");
        assertTrue(config, config.contains("\"bdev_malloc_create\"") && config.contains("Malloc0"));
        String methods = executeCommand("rpc:methods");
        assertTrue(methods, methods.contains("bdev_malloc_create") && methods.contains("io.karst.bdev.rpc"));
        assertTrue(executeCommand("rpc:info").contains("unix:" + socket));
        try {
            executeCommand("rpc:call bdev_get_bdevs name=NoSuchBdev");
            fail("an error answer fails the command");
        } catch (Exception expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("-19"));
        }
        String saved = executeCommand("rpc:save-config");
        assertTrue(saved, saved.startsWith("{\n  \"subsystems\": ["));
    }

    @Test
    public void jmxIsAThirdDoorToTheSameMethods() throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("io.karst:type=rpc");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!mbeans.isRegistered(name) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<String> methods = Arrays.asList((String[]) mbeans.getAttribute(name, "Methods"));
        assertTrue(methods.toString(), methods.contains("save_config") && methods.contains("bdev_get_bdevs"));
        assertEquals(List.of("unix:" + socket), Arrays.asList((String[]) mbeans.getAttribute(name, "Listeners")));
        String[] signature = {String.class.getName(), String.class.getName()};
        String result = (String) mbeans.invoke(name, "call",
                new Object[] {"bdev_get_bdevs", "{\"name\": \"Malloc0\"}"}, signature);
        assertTrue(result, result.contains("708939a0-91df-4d5a-9ad7-26ab9d323198"));
        try {
            mbeans.invoke(name, "call", new Object[] {"bdev_get_bdevs", "{\"name\": \"NoSuchBdev\"}"}, signature);
            fail("an error answer is an exception");
        } catch (Exception e) {
            // a plain java.lang exception (wrapped in a RuntimeMBeanException by some MBean servers)
            Throwable t = e;
            while (!(t instanceof IllegalStateException) && t.getCause() != null) {
                t = t.getCause();
            }
            assertTrue(String.valueOf(t), t instanceof IllegalStateException
                    && t.getMessage().startsWith("JSON-RPC error -19"));
        }
        String saved = (String) mbeans.invoke(name, "saveConfig", new Object[0], new String[0]);
        String report = (String) mbeans.invoke(name, "loadConfig", new Object[] {saved},
                new String[] {String.class.getName()});
        assertTrue(report, report.contains("\"failed\": 0") && report.contains("\"applied\": 0"));
    }

    @Test
    public void restartingTheServerBundleRebindsTheSocketAndLeaksNoThreads() throws Exception {
        Bundle server = null;
        for (Bundle b : bundleContext.getBundles()) {
            if ("io.karst.rpc.server".equals(b.getSymbolicName())) {
                server = b;
            }
        }
        assertNotNull(server);
        for (int round = 0; round < 3; round++) {
            server.stop();
            assertFalse("socket removed when the server stops", Files.exists(socket));
            assertEquals(0, rpcThreads());
            server.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            try (RpcClient c = client()) {
                assertTrue(((List<?>) c.call("rpc_get_methods")).contains("bdev_get_bdevs"));
            }
        }
        assertEquals(1, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("karst-rpc-io"))
                .count());
    }

    private static long rpcThreads() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        do {
            n = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("karst-rpc") && t.isAlive()).count();
            if (n == 0) {
                return 0;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return n;
    }
}
