package io.karst.iscsi.internal;

import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiOptions;
import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.TargetNodeConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A real target (registry, Netty server, malloc LUNs) on a free loopback port, outside OSGi, for tests. */
public final class TestTarget implements AutoCloseable {
    public static final String IQN = "iqn.2016-06.io.karst:test";
    public final BdevHarness bdevs = new BdevHarness();
    public final TargetRegistry registry;
    public final IscsiServer server;
    public final int port;
    public final MallocBdev malloc1;

    public TestTarget(Map<String, String> options, long blocks) throws Exception {
        registry = new TargetRegistry(bdevs.registry(), IscsiOptions.from(options),
                java.nio.file.Files.createTempDirectory("karst-pr"));
        registry.start();
        server = new IscsiServer(registry, 2);
        bdevs.register(new MallocBdev("Malloc0", UUID.fromString("708939a0-91df-4d5a-9ad7-26ab9d323198"), 512,
                blocks));
        malloc1 = new MallocBdev("Malloc1", UUID.randomUUID(), 4096, blocks / 8);
        bdevs.register(malloc1);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PortalGroupConfig pg = new PortalGroupConfig(1, List.of(new PortalGroupConfig.Portal("127.0.0.1", port)));
        registry.putPortalGroup(pg);
        registry.putInitiatorGroup(new InitiatorGroupConfig(1, List.of("ANY"), List.of("127.0.0.1/8")));
        registry.putAuthGroup(new AuthGroupConfig(1, List.of(
                new AuthGroupConfig.Secret("alice", "alicesecret12", "target", "targetsecret12"))));
        registry.putTarget(TargetNodeConfig.from(Map.of("name", "test", "luns", "0:Malloc0 1:Malloc1",
                "pg_ig_maps", "1:1"), "iqn.2016-06.io.karst"));
        registry.putTarget(TargetNodeConfig.from(Map.of("name", "chap", "luns", "0:Malloc0", "pg_ig_maps", "1:1",
                "require_chap", "true", "chap_group", "1"), "iqn.2016-06.io.karst"));
        registry.putTarget(TargetNodeConfig.from(Map.of("name", "mutual", "luns", "0:Malloc0", "pg_ig_maps", "1:1",
                "require_chap", "true", "mutual_chap", "true", "chap_group", "1"), "iqn.2016-06.io.karst"));
        registry.putTarget(TargetNodeConfig.from(Map.of("name", "thick", "luns", "0:Malloc0", "pg_ig_maps", "1:1",
                "thin_provisioning", "false"), "iqn.2016-06.io.karst"));
        server.bind(pg);
    }

    public String portal() {
        return "127.0.0.1:" + port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public void close() {
        registry.stop();
        server.stop();
        bdevs.close();
    }

    /** Runs a target until killed: {@code java ... TestTarget [port-file]} for trying clients by hand. */
    public static void main(String[] args) throws Exception {
        try (TestTarget t = new TestTarget(Map.of(), 2 * 1024 * 1024)) {
            System.out.println("PORTAL " + t.portal());
            if (args.length > 0) {
                java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), t.portal());
            }
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
