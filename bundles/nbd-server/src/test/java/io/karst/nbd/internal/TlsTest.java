package io.karst.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.nbd.protocol.Nbd;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STARTTLS with a certificate made by openssl (PEM, PKCS#8 key, as in etc/): required and optional TLS, a JDK TLS
 * client doing I/O through it. The distribution test does the same with nbdinfo and qemu.
 */
class TlsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
    }

    static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl (apt-get install openssl): " + out).isZero();
    }

    private static EngineFixture server(boolean required) throws Exception {
        var ssl = SslContextBuilder.forServer(dir.resolve("cert.pem").toFile(), dir.resolve("key.pem").toFile())
                .sslProvider(SslProvider.JDK).build();
        return new EngineFixture(NbdEngine.Settings.defaults("127.0.0.1", 0).withTls(ssl, required));
    }

    private static SSLSocket upgrade(TestClient c) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
            ks.setCertificateEntry("server", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(c.socket, "127.0.0.1", c.socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        c.streams(s.getInputStream(), s.getOutputStream());
        return s;
    }

    @Test
    void requiredTlsRefusesPlainClientsAndServesUpgradedOnes() throws Exception {
        try (EngineFixture f = server(true)) {
            try (TestClient plain = new TestClient(f.port())) {
                plain.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
                plain.option(Nbd.OPT_INFO, TestClient.infoData("ram"));
                assertThat(plain.optReply().type()).isEqualTo(Nbd.REP_ERR_TLS_REQD);
                plain.option(Nbd.OPT_LIST, new byte[0]);
                assertThat(plain.optReply().type()).isEqualTo(Nbd.REP_ERR_TLS_REQD);
                plain.option(Nbd.OPT_EXPORT_NAME, "ram".getBytes());
                assertThat(plain.closedByServer()).isTrue();
            }
            try (TestClient c = new TestClient(f.port())) {
                c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
                c.option(Nbd.OPT_STARTTLS, new byte[0]);
                assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ACK);
                SSLSocket s = upgrade(c);
                assertThat(s.getSession().getProtocol()).startsWith("TLSv1.");
                c.option(Nbd.OPT_STARTTLS, new byte[0]);
                assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ERR_INVALID);
                c.option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
                assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ACK);
                c.structured = true;
                List<TestClient.OptReply> go = c.go("ram");
                assertThat(go.get(go.size() - 1).type()).isEqualTo(Nbd.REP_ACK);
                byte[] data = NbdEngineTest.filled(1 << 20, 11);
                assertThat(c.write(4096, data, Nbd.CMD_FLAG_FUA)).isZero();
                assertThat(c.read(4096, data.length)).isEqualTo(data);
                assertThat(f.engine.connections()).anyMatch(i -> i.tls() && i.export().equals("ram"));
                c.disconnect();
                assertThat(c.closedByServer()).isTrue();
            }
            f.awaitQuiet();
        }
    }

    @Test
    void optionalTlsServesPlainAndUpgradedClients() throws Exception {
        try (EngineFixture f = server(false)) {
            try (TestClient plain = TestClient.connected(f.port(), "ram", false)) {
                assertThat(plain.read(0, 512)).hasSize(512);
            }
            try (TestClient c = new TestClient(f.port())) {
                c.clientFlags(Nbd.FLAG_FIXED_NEWSTYLE);
                c.option(Nbd.OPT_STARTTLS, new byte[0]);
                assertThat(c.optReply().type()).isEqualTo(Nbd.REP_ACK);
                upgrade(c);
                List<TestClient.OptReply> go = c.go("");
                assertThat(go.get(go.size() - 1).type()).isEqualTo(Nbd.REP_ACK);
                assertThat(c.write(0, NbdEngineTest.filled(512, 1), 0)).isZero();
            }
            f.awaitQuiet();
        }
    }
}
