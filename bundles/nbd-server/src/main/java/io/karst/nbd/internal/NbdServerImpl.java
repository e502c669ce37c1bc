package io.karst.nbd.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdServer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.karaf.config.core.ConfigRepository;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The NBD server as an OSGi service: listens as {@code etc/io.karst.nbd.cfg} says and serves the exports that are
 * configured as factory configurations of {@value NbdServer#EXPORT_FACTORY_PID}. A change of its configuration
 * restarts the listener (connections are closed; clients reconnect).
 */
@Component(service = {NbdServer.class, ExportTable.class}, configurationPid = NbdServer.PID, immediate = true)
@Designate(ocd = NbdServerImpl.Config.class)
public final class NbdServerImpl implements NbdServer, ExportTable {
    private static final System.Logger LOG = System.getLogger(NbdServerImpl.class.getName());

    /** Configuration of the NBD server. */
    @ObjectClassDefinition(name = "Karst NBD server")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on; empty: karst.bind.address (127.0.0.1)")
        String bind_address() default "";

        @AttributeDefinition(description = "TCP port; -1: karst.nbd.port (10809)")
        int port() default -1;

        @AttributeDefinition(description = "Event-loop threads; 0: one per core")
        int io_threads() default 0;

        @AttributeDefinition(description = "auto (native epoll if it loads, else NIO), epoll or nio")
        String transport() default "auto";

        @AttributeDefinition(description = "off, on (clients may STARTTLS) or require (clients must)")
        String tls() default "off";

        @AttributeDefinition(description = "Server certificate chain (PEM), relative to etc/")
        String tls_certificate() default "nbd-tls/server-cert.pem";

        @AttributeDefinition(description = "Server private key (PEM, PKCS#8), relative to etc/")
        String tls_key() default "nbd-tls/server-key.pem";

        @AttributeDefinition(description = "CA certificates (PEM) that client certificates must chain to; empty: no"
                + " client certificates asked for")
        String tls_ca() default "";

        @AttributeDefinition(description = "Largest READ or WRITE in bytes (a power of two, 64 KiB to 32 MiB)")
        int max_request() default 32 << 20;

        @AttributeDefinition(description = "Requests in flight per connection before the server stops reading")
        int max_outstanding() default 256;

        @AttributeDefinition(description = "Time a client has to finish negotiating, ms (0: unlimited)")
        long negotiation_timeout_ms() default 60000;

        @AttributeDefinition(description = "How long nbd:start and nbd_start_disk wait for the export, ms")
        long timeout_ms() default 30000;
    }

    private final ConfigurationAdmin configAdmin;
    private final ConfigRepository configRepository;
    private final NbdEngine engine;
    private final long timeoutMillis;

    @Activate
    public NbdServerImpl(@Reference BdevRegistry registry, @Reference ConfigurationAdmin configAdmin,
                         @Reference ConfigRepository configRepository, Config config) throws Exception {
        this.configAdmin = configAdmin;
        this.configRepository = configRepository;
        this.timeoutMillis = Math.max(1, config.timeout_ms());
        String address = config.bind_address().isBlank()
                ? System.getProperty("karst.bind.address", "127.0.0.1") : config.bind_address().trim();
        int port = config.port() >= 0 ? config.port() : Integer.getInteger("karst.nbd.port", 10809);
        String tls = config.tls().trim().toLowerCase(Locale.ROOT);
        SslContext ssl = switch (tls) {
            case "off", "false", "" -> null;
            case "on", "true", "optional", "require", "required" -> sslContext(config);
            default -> throw new IllegalArgumentException("tls must be off, on or require, not " + config.tls());
        };
        NbdEngine.Settings s = NbdEngine.Settings.defaults(address, port)
                .withTls(ssl, tls.startsWith("require"))
                .withLimits(config.max_request(), Math.max(1, config.max_outstanding()),
                        Math.max(0, config.negotiation_timeout_ms()));
        s = new NbdEngine.Settings(s.bindAddress(), s.port(), Math.max(0, config.io_threads()),
                config.transport().trim().toLowerCase(Locale.ROOT), s.sslContext(), s.tlsRequired(), s.maxPayload(),
                s.maxOutstanding(), s.negotiationTimeoutMillis(), s.allocator());
        engine = new NbdEngine(s, registry);
        engine.start();
    }

    static SslContext sslContext(Config config) throws IOException {
        Path etc = Path.of(System.getProperty("karaf.etc", "etc"));
        Path cert = etc.resolve(config.tls_certificate());
        Path key = etc.resolve(config.tls_key());
        if (!Files.isReadable(cert) || !Files.isReadable(key)) {
            throw new IOException("TLS is on but the certificate " + cert + " or the key " + key
                    + " is not readable");
        }
        SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile()).sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        if (!config.tls_ca().isBlank()) {
            b.trustManager(etc.resolve(config.tls_ca().trim()).toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    @Deactivate
    void deactivate() {
        engine.stop();
    }

    // ---- ExportTable ------------------------------------------------------------------------------------------------

    @Override
    public void add(String configPid, NbdExport export) {
        engine.addExport(configPid, export);
    }

    @Override
    public void remove(String configPid) {
        engine.removeExport(configPid);
    }

    // ---- NbdServer --------------------------------------------------------------------------------------------------

    @Override
    public String describe() {
        return engine.describe();
    }

    @Override
    public int port() {
        return engine.port();
    }

    @Override
    public List<NbdExportInfo> exports() {
        return engine.exportInfos();
    }

    @Override
    public Optional<NbdExportInfo> export(String name) {
        return engine.exportInfo(name);
    }

    @Override
    public NbdExportInfo startExport(NbdExport export) {
        if (engine.exportInfo(export.name()).isPresent() || configured(export.name()).isPresent()) {
            throw new IllegalArgumentException("an export named " + export.name() + " exists already");
        }
        if (export.isDefault()) {
            for (NbdExportInfo e : engine.exportInfos()) {
                if (e.export().isDefault()) {
                    throw new IllegalArgumentException("export " + e.export().name()
                            + " is already the default export");
                }
            }
        }
        try {
            Configuration c = configAdmin.getFactoryConfiguration(EXPORT_FACTORY_PID, alias(export.name()), "?");
            Map<String, Object> props = new HashMap<>(export.toProperties());
            configRepository.update(c.getPid(), props);
        } catch (IOException e) {
            throw new IllegalStateException("cannot store the configuration of export " + export.name() + ": "
                    + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<NbdExportInfo> info = engine.exportInfo(export.name());
            if (info.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "nbd: started export {0} of bdev {1}", export.name(),
                        export.bdev());
                return info.get();
            }
            sleep();
        }
        throw new IllegalStateException("export " + export.name() + " did not start within " + timeoutMillis
                + " ms; see the log");
    }

    @Override
    public void stopExport(String name) {
        Optional<Configuration> c = configured(name);
        if (c.isEmpty()) {
            if (engine.exportInfo(name).isPresent()) {
                throw new IllegalArgumentException("export " + name + " is not configured by a factory"
                        + " configuration; remove its file instead");
            }
            throw new java.util.NoSuchElementException("no export named " + name);
        }
        try {
            configRepository.delete(c.get().getPid());
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete the configuration of export " + name + ": "
                    + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (engine.exportInfo(name).isPresent() && System.nanoTime() < deadline) {
            sleep();
        }
        LOG.log(System.Logger.Level.INFO, "nbd: stopped export {0}", name);
    }

    @Override
    public List<NbdConnectionInfo> connections() {
        return engine.connections();
    }

    @Override
    public int disconnect(String export) {
        return engine.disconnect(export);
    }

    private Optional<Configuration> configured(String name) {
        try {
            Configuration[] all = configAdmin.listConfigurations("(service.factoryPid=" + EXPORT_FACTORY_PID + ")");
            if (all == null) {
                return Optional.empty();
            }
            for (Configuration c : all) {
                var p = c.getProperties();
                if (p == null) {
                    continue;
                }
                Object n = p.get(NbdExport.NAME) != null ? p.get(NbdExport.NAME) : p.get(NbdExport.BDEV);
                if (n != null && n.toString().trim().equals(name)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the export configurations: " + e.getMessage(), e);
        }
    }

    /** The name of an export's configuration (and file): the export name with unsafe characters replaced. */
    static String alias(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-' ? c : '_');
        }
        String base = b.length() == 0 ? "default" : b.toString();
        return base.equals(name) || name.isEmpty() ? base : base + "_" + Integer.toHexString(name.hashCode());
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
