package io.karst.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import io.karst.rpc.client.RpcClient;
import io.karst.rpc.json.JsonValues;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The distribution as a user runs it: unpacked from the tar.gz, driven by bin/karst as separate
 * processes, on non-default ports. The methods run in order and share one instance: first start,
 * shell commands, a restart that must find what was created before, a second instance beside
 * the first, stop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionEndToEndTest {

    private static Path home;
    private static KarstInstance karst;

    @BeforeAll
    static void unpackAndStart() throws Exception {
        Path work = Path.of(System.getProperty("project.build.directory", "target"), "e2e");
        home = KarstInstance.unpack(work.resolve("dist"));
        karst = KarstInstance.create(home, work.resolve("instance-a"), "karst-e2e-a");
        long t0 = System.nanoTime();
        KarstInstance.Result started = karst.start();
        System.out.printf("first start (fresh instance) until the admin login works: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertTrue(started.output().contains(karst.etc().resolve("karst-admin.properties").toString()),
                "start names the credential file:\n" + started.output());
    }

    @AfterAll
    static void stopEverything() {
        if (karst != null) {
            karst.close();
        }
    }

    @Test
    @Order(1)
    void adminCredentialIsPrivateAndNoDefaultPasswordExists() throws Exception {
        for (String file : new String[] {"karst-admin.properties", "karst-admin.key", "users.properties",
                "keys.properties"}) {
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(karst.etc().resolve(file))), file);
        }
        String users = Files.readString(karst.etc().resolve("users.properties"));
        assertFalse(users.contains("karaf ="), users);
        assertTrue(users.contains("admin = {CRYPT}"), "password stored as a hash after the first login:\n" + users);
        String password = karst.adminPassword();
        assertTrue(password.length() >= 20, "password length");
        assertFalse(users.contains(password), "clear-text password is gone from users.properties");
    }

    @Test
    @Order(2)
    void shellRunsCommandsAsAdmin() throws Exception {
        String bundles = karst.awaitShell("bundle:list", out -> out.contains("Karst :: bdev core"), Duration.ofSeconds(60));
        assertTrue(bundles.lines().filter(l -> l.contains("Karst ::")).allMatch(l -> l.contains("Active")), bundles);
        assertEquals(karst.name(), karst.shell("system:name").trim());
        String bdevs = karst.awaitShell("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(30));
        assertTrue(bdevs.contains("708939a0-91df-4d5a-9ad7-26ab9d323198"), bdevs);

        KarstInstance.Result failing = karst.karst(KarstInstance.COMMAND_TIMEOUT, "shell", "bdev:delete NoSuchBdev");
        assertNotEquals(0, failing.exitCode(), "a failing command fails bin/karst shell:\n" + failing.output());
    }

    @Test
    @Order(3)
    void jmxAcceptsTheAdminPasswordOnTheInstancePorts() throws Exception {
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", karst.adminPassword()});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(karst.jmxUrl()), env)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            assertEquals(karst.name(), mbeans.getAttribute(
                    new ObjectName("org.apache.karaf:type=system,name=" + karst.name()), "Name"));
        }
    }

    @Test
    @Order(4)
    void bdevsCreatedByCommandsSurviveARestart() throws Exception {
        karst.shell("bdev:create malloc E2e0 16M 512");
        assertTrue(karst.shell("bdev:list").contains("E2e0"));
        assertTrue(Files.isRegularFile(karst.etc().resolve("io.karst.bdev.malloc-E2e0.cfg")),
                "a created bdev has its configuration file in etc/");
        // a file bdev with a passthru stacked on it, and a resize: all of it must come back as it was
        Path image = karst.base().resolve("e2e-file.img");
        karst.shell("bdev:create file E2eFile " + image + " block_size=4096 size=64M");
        karst.shell("bdev:create passthru E2ePt E2eFile");
        karst.shell("bdev:resize E2e0 32M");
        karst.shell("bdev:perf -w verify -q 8 -t 0.5 E2ePt");
        String before = karst.shell("bdev:list");
        assertTrue(before.contains("passthru bdev E2ePt (exclusive_write)"), before);

        karst.stop();
        assertEquals(3, karst.status().exitCode(), "status after stop");
        assertTrue(karst.process().isEmpty(), "no Karaf JVM left after stop");

        long t0 = System.nanoTime();
        karst.start();
        System.out.printf("restart (existing instance) until the admin login works: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertEquals(0, karst.status().exitCode(), "status after start");
        String bdevs = karst.awaitShell("bdev:list", out -> out.contains("E2e0") && out.contains("Malloc0")
                && out.contains("E2ePt"), Duration.ofSeconds(30));
        for (String name : new String[] {"E2e0", "E2eFile", "E2ePt", "Malloc0"}) {
            assertEquals(row(before, name), row(bdevs, name), "bdev " + name + " comes back as it was");
        }
        assertTrue(row(bdevs, "E2e0").contains("32 MiB"), "the resize was kept:\n" + bdevs);
        assertTrue(row(bdevs, "E2eFile").contains("passthru bdev E2ePt (exclusive_write)"), bdevs);
        assertEquals(64L << 20, Files.size(image));
    }

    /** The bdev:list row of one bdev. */
    private static String row(String list, String name) {
        return list.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + name + " in\n" + list));
    }

    @Test
    @Order(5)
    void aSecondInstanceRunsBesideTheFirstFromTheSameDistribution() throws Exception {
        Path work = karst.base().getParent();
        try (KarstInstance second = KarstInstance.create(home, work.resolve("instance-b"), "karst-e2e-b")) {
            second.start();
            assertEquals("karst-e2e-b", second.shell("system:name").trim());
            assertEquals(karst.name(), karst.shell("system:name").trim());
            assertNotEquals(karst.adminPassword(), second.adminPassword(), "each instance has its own credential");
            second.stop();
            assertTrue(second.process().isEmpty());
        }
        assertEquals(0, karst.status().exitCode(), "the first instance still runs");
    }

    /**
     * SIGKILL while writes are in flight on the passthru over the file bdev: the next start finds every bdev as it
     * was and the stack serves I/O again. One round in the default suite, ten with -Plong.
     */
    @Test
    @Order(6)
    void killedDuringWritesItComesBackWithEveryBdev() throws Exception {
        int rounds = Boolean.getBoolean("karst.long") ? 10 : 1;
        String before = karst.shell("bdev:list");
        for (int round = 0; round < rounds; round++) {
            Thread writer = new Thread(() -> {
                try {
                    karst.karst(Duration.ofSeconds(60), "shell", "bdev:perf -w randwrite -q 32 -t 30 E2ePt");
                } catch (Exception ignored) {
                    // the connection dies with the JVM
                }
            });
            writer.start();
            Thread.sleep(2500 + 250L * round);
            assertTrue(karst.process().isPresent(), "Karst runs before the kill");
            karst.kill();
            assertTrue(karst.process().isEmpty(), "killed");
            writer.join(60_000);
            karst.start();
            String after = karst.awaitShell("bdev:list", out -> out.contains("E2ePt"), Duration.ofSeconds(60));
            for (String name : new String[] {"E2e0", "E2eFile", "E2ePt", "Malloc0"}) {
                assertEquals(row(before, name), row(after, name), "round " + round + ": bdev " + name);
            }
            karst.shell("bdev:perf -w verify -q 8 -t 0.5 E2ePt");
        }
    }

    @Test
    @Order(7)
    void stopEndsTheProcess() throws Exception {
        karst.stop();
        assertTrue(karst.process().isEmpty());
        assertEquals(3, karst.status().exitCode());
    }

    /**
     * JSON-RPC on the instance's own socket (data/karst.sock, mode 0600): {@code bin/karst start --load-config}
     * applies a configuration in SPDK's JSON format and waits until it is in effect, {@code bin/karst rpc} and
     * Karst's Java client call methods, loading the file again skips what is in effect, stop removes the socket.
     */
    @Test
    @Order(8)
    @SuppressWarnings("unchecked")
    void startFromAConfigurationFileAndCallMethodsOnTheSocket() throws Exception {
        Path config = karst.base().resolve("e2e-config.json");
        Files.writeString(config, """
                {"subsystems": [{"subsystem": "bdev", "config": [
                  {"method": "bdev_malloc_create", "params": {"name": "E2eRpc0", "num_blocks": 8192, "block_size": 4096}},
                  {"method": "bdev_passthru_create", "params": {"name": "E2eRpcPt", "base_bdev_name": "E2eRpc0"}}
                ]}]}""");
        KarstInstance.Result started = karst.karst(KarstInstance.START_TIMEOUT, "start", "--load-config",
                config.toString()).requireSuccess();
        assertTrue(started.output().contains("is in effect"), started.output());
        Path socket = karst.base().resolve("data/karst.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

        String bdevs = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "bdev_get_bdevs", "name=E2eRpcPt")
                .requireSuccess().output();
        assertTrue(bdevs.contains("\"product_name\": \"passthru\""), bdevs);
        try (RpcClient client = RpcClient.connect(socket)) {
            String saved = JsonValues.write(client.call("save_config"));
            assertTrue(saved.contains("\"E2eRpc0\"") && saved.contains("\"E2e0\""), saved);
            Map<String, Object> report = (Map<String, Object>) client.call("load_config",
                    (Map<String, Object>) JsonValues.parse(Files.readString(config)));
            assertEquals(2, ((Number) report.get("skipped")).intValue(), report.toString());
        }
        KarstInstance.Result failing = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "bdev_malloc_create",
                "name=E2eRpc0", "num_blocks=8", "block_size=512");
        assertEquals(1, failing.exitCode(), failing.output());
        assertTrue(failing.output().contains("\"code\": -17"), failing.output());

        karst.stop();
        assertFalse(Files.exists(socket), "stop removes the socket");
    }
}
