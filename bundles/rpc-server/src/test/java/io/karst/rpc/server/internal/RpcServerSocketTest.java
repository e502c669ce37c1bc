package io.karst.rpc.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.client.RpcClient;
import io.karst.rpc.json.JsonValues;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on a real Unix domain socket (and TCP), driven by Karst's client and by raw bytes. */
class RpcServerSocketTest {
    @TempDir
    Path dir;

    private Path socket;
    private RpcRegistry registry;
    private final List<RpcServer> servers = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        socket = dir.resolve("karst.sock");
        registry = new RpcRegistry("0.1.0-test");
        registry.addMethod(ConfigViewTest.method("test_echo", p -> p.asMap()), "test", 1);
        registry.addMethod(ConfigViewTest.method("test_block", p -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "released";
        }), "test", 2);
        registry.addMethod(ConfigViewTest.method("test_sleep", p -> {
            try {
                Thread.sleep(p.longValue("ms", 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return p.longValue("i", 0);
        }), "test", 3);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        servers.forEach(RpcServer::stop);
    }

    private ServerSettings settings(int maxConnections, int maxRequestBytes, Duration requestTimeout, boolean tcp) {
        return new ServerSettings(socket, tcp, "127.0.0.1", 0, maxConnections, maxRequestBytes, requestTimeout,
                Duration.ZERO, 4, 32, null, Duration.ZERO);
    }

    private RpcServer start() throws IOException {
        return start(settings(64, 1 << 20, Duration.ofSeconds(30), false));
    }

    private RpcServer start(ServerSettings s) throws IOException {
        RpcServer server = new RpcServer(registry, s);
        servers.add(server);
        return server;
    }

    private RpcClient client() throws IOException {
        return RpcClient.connect(socket).timeout(Duration.ofSeconds(20));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> errorOf(Object response) {
        return map(map(response).get("error"));
    }

    @Test
    void theSocketIsPrivateAndGoneAfterStop() throws Exception {
        RpcServer server = start();
        assertThat(UnixSocketFile.isSocket(socket)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("karst.sock", "karst.sock.lock");
        }
        server.stop();
        servers.remove(server);
        assertThat(socket).doesNotExist();
        assertThat(dir.resolve("karst.sock.lock")).doesNotExist();
        assertThatThrownBy(this::client).isInstanceOf(IOException.class);
    }

    @Test
    void aStaleSocketIsReplacedButALiveOneIsNotStolen() throws Exception {
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        start();
        try (RpcClient c = client()) {
            assertThat(c.call("rpc_get_methods")).asList().contains("test_echo");
        }
        assertThatThrownBy(this::start).isInstanceOf(IOException.class).hasMessageContaining("in use");
        try (RpcClient c = client()) {
            assertThat(c.call("spdk_get_version")).isEqualTo(JsonValues.parse(
                    "{\"version\":\"Karst v0.1.0-test\",\"fields\":{\"major\":0,\"minor\":1,\"patch\":0,\"suffix\":\"-test\"}}"));
        }
    }

    @Test
    void somethingElseAtThePathIsLeftAlone() throws Exception {
        Files.writeString(socket, "precious");
        assertThatThrownBy(this::start).isInstanceOf(IOException.class).hasMessageContaining("not a socket");
        assertThat(Files.readString(socket)).isEqualTo("precious");
        Path longPath = dir.resolve("x".repeat(120) + ".sock");
        assertThatThrownBy(() -> start(new ServerSettings(longPath, false, "127.0.0.1", 0, 4, 4096,
                Duration.ofSeconds(1), Duration.ZERO, 1, 4, null, Duration.ZERO)))
                .isInstanceOf(IOException.class).hasMessageContaining("at most 107");
    }

    @Test
    void pipelinedRequestsWithoutDelimitersAreAnsweredInOrder() throws Exception {
        start();
        try (RpcClient c = client()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                sb.append("{\"jsonrpc\":\"2.0\",\"method\":\"test_sleep\",\"params\":{\"i\":").append(i)
                        .append(",\"ms\":").append(i % 3).append("},\"id\":").append(i).append('}');
            }
            c.sendRaw(sb.toString().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 50; i++) {
                Map<String, Object> r = map(c.read());
                assertThat(r.get("id")).isEqualTo(i);
                assertThat(((Number) r.get("result")).longValue()).isEqualTo(i);
            }
        }
    }

    @Test
    void garbageIsAnsweredWithAParseErrorThenTheConnectionCloses() throws Exception {
        start();
        try (RpcClient c = client()) {
            c.sendRaw("{\"method\":\"test_echo\",\"id\":1}{\"method\": nonsense}{\"method\":\"test_echo\",\"id\":2}"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(map(c.read()).get("id")).isEqualTo(1);
            Map<String, Object> r = map(c.read());
            assertThat(r.get("id")).isNull();
            assertThat(errorOf(r)).containsEntry("code", -32700).containsEntry("message", "Parse error");
            assertThat(c.readOrClosed(Duration.ofSeconds(10))).isNull();
        }
        try (RpcClient c = client()) {
            c.sendRaw(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0, 1, 2, 3});
            assertThat(errorOf(c.read()).get("code")).isEqualTo(-32700);
            assertThat(c.readOrClosed(Duration.ofSeconds(10))).isNull();
        }
    }

    @Test
    void aTruncatedRequestIsAnsweredAtTheEndOfInputOrAfterTheTimeout() throws Exception {
        start(settings(64, 1 << 20, Duration.ofMillis(500), false));
        try (RpcClient c = client()) {
            c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"rpc_get_methods\",\"id\":1".getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            Map<String, Object> e = errorOf(c.read());
            assertThat(e).containsEntry("code", -32700);
            assertThat(String.valueOf(e.get("data"))).contains("incomplete");
            assertThat(c.readOrClosed(Duration.ofSeconds(10))).isNull();
        }
        try (RpcClient c = client()) {
            c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":".getBytes(StandardCharsets.UTF_8));
            long t0 = System.nanoTime();
            Map<String, Object> e = errorOf(c.read(Duration.ofSeconds(10)));
            assertThat(e).containsEntry("code", -32700);
            assertThat(String.valueOf(e.get("data"))).contains("request.timeout.ms");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
            assertThat(c.readOrClosed(Duration.ofSeconds(10))).isNull();
        }
    }

    @Test
    void aHugeRequestIsRefusedWithoutReadingItAllAndOthersAreServed() throws Exception {
        start(settings(64, 64 * 1024, Duration.ofSeconds(30), false));
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket)); RpcClient other = client()) {
            raw.write(ByteBuffer.wrap("{\"method\":\"test_echo\",\"id\":7,\"params\":{\"s\":\"".getBytes(StandardCharsets.UTF_8)));
            byte[] junk = new byte[64 * 1024];
            Arrays.fill(junk, (byte) 'A');
            long written = 0;
            try {
                for (int i = 0; i < 64; i++) { // up to 4 MiB; the server gives up long before
                    written += raw.write(ByteBuffer.wrap(junk));
                }
            } catch (IOException e) {
                // the server closed: expected once it answered
            }
            assertThat(other.call("test_echo", Map.of("ok", true))).isEqualTo(Map.of("ok", true));
            raw.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (raw.read(in) >= 0 && System.nanoTime() < deadline) {
                if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                    break;
                }
            }
            String answer = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            Map<String, Object> e = errorOf(JsonValues.parse(answer.trim()));
            assertThat(e).containsEntry("code", -32600);
            assertThat(String.valueOf(e.get("data"))).contains("larger than 65536 bytes");
            assertThat(written).isGreaterThan(64 * 1024);
        }
    }

    @Test
    void batchesAndNotifications() throws Exception {
        start();
        try (RpcClient c = client()) {
            c.notify("test_echo", Map.of("n", 1));
            c.sendRaw("[{\"jsonrpc\":\"2.0\",\"method\":\"test_echo\",\"params\":{\"a\":1},\"id\":\"first\"},{\"method\":\"test_echo\"},"
                    .concat("{\"method\":\"no_such\",\"id\":2},{\"method\":\"test_echo\",\"params\":{\"big\":123456789012345678901234567890},\"id\":3}]")
                    .getBytes(StandardCharsets.UTF_8));
            Object batch = c.read();
            assertThat(JsonValues.write(batch)).isEqualTo("[{\"jsonrpc\":\"2.0\",\"id\":\"first\",\"result\":{\"a\":1}},"
                    + "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"Method not found\",\"data\":\"no_such\"}},"
                    + "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"big\":123456789012345678901234567890}}]");
            c.sendRaw("[{\"method\":\"test_echo\"}]".getBytes(StandardCharsets.UTF_8));
            c.sendRaw("[]".getBytes(StandardCharsets.UTF_8));
            assertThat(errorOf(c.read())).containsEntry("code", -32600);
            assertThat(c.call("test_echo", Map.of("last", true))).isEqualTo(Map.of("last", true));
        }
    }

    @Test
    void wrongTypesAndUnknownMethods() throws Exception {
        start();
        try (RpcClient c = client()) {
            assertThatThrownBy(() -> c.call("framework_get_config", Map.of("name", 5)))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(-32602));
            assertThatThrownBy(() -> c.call("bdev_nonexistent", null))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(-32601);
                        assertThat(e.getMessage()).isEqualTo("Method not found");
                    });
            c.sendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"test_echo\",\"params\":\"x\",\"id\":{\"o\":1}}".getBytes(StandardCharsets.UTF_8));
            assertThat(map(c.read()).get("id")).isNull();
            assertThat(c.call("test_echo")).isEqualTo(Map.of());
        }
    }

    @Test
    void aBlockedCallDoesNotHoldUpOtherConnectionsAndManyClientsWorkAtOnce() throws Exception {
        start();
        ExecutorService pool = Executors.newFixedThreadPool(17);
        try (RpcClient blocked = client()) {
            blocked.send(Map.of("jsonrpc", "2.0", "method", "test_block", "id", 1));
            List<Future<Integer>> clients = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int offset = t * 1000;
                clients.add(pool.submit(() -> {
                    try (RpcClient c = client()) {
                        for (int i = 0; i < 100; i++) {
                            assertThat(((Number) c.call("test_sleep", Map.of("i", offset + i, "ms", 0))).intValue())
                                    .isEqualTo(offset + i);
                        }
                    }
                    return 100;
                }));
            }
            int total = 0;
            for (Future<Integer> f : clients) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(1600);
            release.countDown();
            assertThat(map(blocked.read()).get("result")).isEqualTo("released");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void beyondTheConnectionLimitRequestsAreAnsweredBusy() throws Exception {
        start(settings(2, 1 << 20, Duration.ofSeconds(30), false));
        try (RpcClient a = client(); RpcClient b = client()) {
            assertThat(a.call("test_echo")).isEqualTo(Map.of());
            assertThat(b.call("test_echo")).isEqualTo(Map.of());
            try (RpcClient c = client()) {
                assertThatThrownBy(() -> c.call("test_echo")).isInstanceOfSatisfying(RpcException.class,
                        e -> assertThat(e.code()).isEqualTo(-16));
            }
        }
        awaitConnections(0);
        try (RpcClient a = client()) {
            assertThat(a.call("test_echo")).isEqualTo(Map.of());
        }
    }

    private void awaitConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!servers.get(0).info().get("connections open").equals(n) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(servers.get(0).info().get("connections open")).isEqualTo(n);
    }

    @Test
    void abruptClientsLeakNothing() throws Exception {
        long fdsBefore = openFds();
        RpcServer server = start();
        for (int i = 0; i < 40; i++) {
            SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            switch (i % 4) {
                case 0 -> raw.write(ByteBuffer.wrap("{\"method\":\"test_ech".getBytes(StandardCharsets.UTF_8)));
                case 1 -> raw.write(ByteBuffer.wrap("{\"method\":\"test_sleep\",\"params\":{\"ms\":50},\"id\":1}"
                        .getBytes(StandardCharsets.UTF_8)));
                case 2 -> raw.write(ByteBuffer.wrap("][".getBytes(StandardCharsets.UTF_8)));
                default -> {
                }
            }
            raw.close();
        }
        try (RpcClient c = client()) {
            assertThat(c.call("test_echo")).isEqualTo(Map.of());
        }
        awaitConnections(0);
        server.stop();
        servers.remove(server);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (serverThreads() > 0 || openFds() > fdsBefore)) {
            Thread.sleep(50);
        }
        assertThat(serverThreads()).isZero();
        assertThat(openFds()).isLessThanOrEqualTo(fdsBefore);
    }

    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("karst-rpc")).count();
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void tcpOnLoopbackOnly() throws Exception {
        RpcServer server = start(settings(8, 1 << 20, Duration.ofSeconds(30), true));
        String tcp = server.listenerNames().stream().filter(n -> n.startsWith("tcp:")).findFirst().orElseThrow();
        int port = Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1));
        try (RpcClient c = RpcClient.connectTcp("127.0.0.1", port)) {
            assertThat(c.call("rpc_get_methods")).asList().contains("save_config");
        }
        ServerSettings open = new ServerSettings(dir.resolve("other.sock"), true, "0.0.0.0", 0, 8, 4096,
                Duration.ofSeconds(1), Duration.ZERO, 1, 4, null, Duration.ZERO);
        assertThatThrownBy(() -> start(open)).isInstanceOf(IOException.class).hasMessageContaining("loopback");
        assertThat(dir.resolve("other.sock")).doesNotExist();
    }

    @Test
    void aConfigurationFileIsAppliedAtStartup() throws Exception {
        ConfigViewTest.Objects objects = new ConfigViewTest.Objects("obj", 100, List.of());
        registry.addConfigSource(objects, "test", 10);
        Path file = dir.resolve("startup.json");
        Files.writeString(file, "{\"subsystems\": [{\"subsystem\": \"obj\", \"config\": ["
                + "{\"method\": \"obj_create\", \"params\": {\"name\": \"A\"}}]}]}");
        RpcServer server = start(new ServerSettings(socket, false, "127.0.0.1", 0, 8, 4096, Duration.ofSeconds(1),
                Duration.ZERO, 1, 4, file, Duration.ofSeconds(30)));
        Thread.sleep(100);
        assertThat(objects.objects).isEmpty();
        registry.addMethod(objects.create(), "test", 11);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (objects.objects.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(objects.objects).containsOnlyKeys("A");
        while (!String.valueOf(server.info().get("startup configuration")).startsWith("loaded")
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.info().get("startup configuration")).isEqualTo("loaded " + file + ": 1 applied, 0 skipped");
    }
}
