package io.karst.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
 * The distribution's NBD server with the clients users have: libnbd's nbdinfo and nbdcopy, qemu-img and qemu-io,
 * fio's nbd engine; then TLS (required) with nbdinfo and qemu-img using certificates from etc/. The Debian packages
 * libnbd-bin, qemu-utils, fio, nbdkit and openssl must be installed (.ci/run installs them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NbdClientsEndToEndTest {

    private static Path work;
    private static KarstInstance karst;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        for (String tool : List.of("nbdinfo", "nbdcopy", "qemu-img", "qemu-io", "fio", "nbdkit", "openssl")) {
            assertTrue(onPath(tool), tool + " is not installed: apt-get install libnbd-bin qemu-utils fio nbdkit openssl");
        }
        work = Path.of(System.getProperty("project.build.directory", "target"), "nbd-e2e").toAbsolutePath();
        Path home = KarstInstance.unpack(work.resolve("dist"));
        karst = KarstInstance.create(home, work.resolve("instance"), "karst-nbd-e2e");
        karst.start();
        base = "nbd://127.0.0.1:" + karst.nbdPort() + "/";
        karst.awaitShell("nbd:list", out -> out.contains("Malloc0") && out.contains("serving"), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (karst != null) {
            karst.close();
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    record Run(int exit, String output) {
    }

    static Run run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String ok(String... command) throws IOException, InterruptedException {
        Run r = run(command);
        assertEquals(0, r.exit(), String.join(" ", command) + " failed:\n" + r.output());
        return r.output();
    }

    @Test
    @Order(1)
    void nbdinfoSeesMalloc0UnderItsNameAndAsTheDefaultExport() throws Exception {
        String named = ok("nbdinfo", base + "Malloc0");
        assertTrue(named.contains("export-size: 268435456"), named);
        assertTrue(named.contains("can_multi_conn: true"), named);
        assertTrue(named.contains("block_size_minimum: 512"), named);
        assertTrue(named.contains("base:allocation"), named);
        String dflt = ok("nbdinfo", "--size", base);
        assertEquals("268435456", dflt.trim());
        String list = ok("nbdinfo", "--list", base);
        assertTrue(list.contains("export=\"Malloc0\""), list);
        String map = ok("nbdinfo", "--map", base + "Malloc0");
        assertTrue(map.matches("(?s)\\s*0\\s+268435456\\s+0\\s+data\\s*"), map);
        Run missing = run("nbdinfo", base + "NoSuchExport");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.output().contains("NoSuchExport"), missing.output());
    }

    @Test
    @Order(2)
    void nbdcopyInAndOutIsByteForByteTheSame() throws Exception {
        karst.shell("bdev:create malloc Img0 32M 4096; nbd:start Img0");
        byte[] image = new byte[32 << 20];
        new Random(42).nextBytes(image);
        Path in = work.resolve("image.in");
        Path out = work.resolve("image.out");
        Files.write(in, image);
        Files.deleteIfExists(out);
        ok("nbdcopy", "--connections=4", in.toString(), base + "Img0");
        ok("nbdcopy", "--connections=4", base + "Img0", out.toString());
        assertArrayEquals(image, Files.readAllBytes(out));
        String conns = karst.shell("nbd:list");
        assertTrue(conns.contains("Img0"), conns);
    }

    @Test
    @Order(3)
    void qemuImgInfoAndConvert() throws Exception {
        String info = ok("qemu-img", "info", base + "Img0");
        assertTrue(info.contains("virtual size: 32 MiB (33554432 bytes)"), info);
        Path converted = work.resolve("converted.raw");
        Files.deleteIfExists(converted);
        ok("qemu-img", "convert", "-O", "raw", base + "Img0", converted.toString());
        assertArrayEquals(Files.readAllBytes(work.resolve("image.in")), Files.readAllBytes(converted));
        // and back in, to another export
        karst.shell("bdev:create malloc Img1 32M 512; nbd:start Img1 copy");
        ok("qemu-img", "convert", "-n", "-O", "raw", converted.toString(), base + "copy");
        ok("qemu-img", "compare", "-f", "raw", "-F", "raw", converted.toString(), base + "copy");
        // server to server: nbdkit's pattern plugin (every 8 bytes hold their own offset) copied into Karst
        ok("nbdcopy", "--", "[", "nbdkit", "--exit-with-parent", "pattern", "32M", "]", base + "copy");
        Path pattern = work.resolve("pattern.out");
        Files.deleteIfExists(pattern);
        ok("nbdcopy", base + "copy", pattern.toString());
        java.nio.ByteBuffer p = java.nio.ByteBuffer.wrap(Files.readAllBytes(pattern));
        assertEquals(32 << 20, p.remaining());
        for (long off = 0; p.hasRemaining(); off += 8) {
            long v = p.getLong();
            if (v != off) {
                throw new AssertionError("pattern differs at offset " + off + ": " + v);
            }
        }
    }

    @Test
    @Order(4)
    void qemuIoWritesAPatternAndReadsItBack() throws Exception {
        String w = ok("qemu-io", "-f", "raw", "-c", "write -P 0x5a 1M 192k", "-c", "write -z 2M 64k",
                base + "Malloc0");
        assertTrue(w.contains("wrote 196608/196608 bytes at offset 1048576"), w);
        String r = ok("qemu-io", "-f", "raw", "-r", "-c", "read -P 0x5a 1M 192k", "-c", "read -P 0 2M 64k",
                base + "Malloc0");
        assertTrue(r.contains("read 196608/196608 bytes at offset 1048576"), r);
        assertFalse(r.contains("Pattern verification failed"), r);
        Run bad = run("qemu-io", "-f", "raw", "-r", "-c", "read -P 0x11 1M 4k", base + "Malloc0");
        assertTrue(bad.output().contains("Pattern verification failed"), "a wrong pattern must be noticed:\n"
                + bad.output());
    }

    @Test
    @Order(5)
    void fioNbdEngineWritesAndVerifies() throws Exception {
        String out = ok("fio", "--name=verify", "--ioengine=nbd", "--uri=" + base + "Img0", "--rw=randwrite",
                "--bs=4k", "--iodepth=16", "--size=16M", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
                "--randrepeat=0", "--numjobs=1");
        assertTrue(out.contains("err= 0"), out);
        assertTrue(out.contains("READ:") && out.contains("io=16.0MiB"), "fio read everything back:\n" + out);
        assertFalse(out.contains("verify: bad"), out);
    }

    @Test
    @Order(6)
    void readOnlyExportAndManagementDoors() throws Exception {
        karst.shell("nbd:start --read-only Img0 img-ro");
        Run w = run("qemu-io", "-f", "raw", "-c", "write -P 1 0 4k", base + "img-ro");
        assertTrue(w.output().contains("Operation not permitted") || w.output().contains("read-only")
                || w.exit() != 0, w.output());
        String disks = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "nbd_get_disks").requireSuccess().output();
        assertTrue(disks.contains("\"nbd_device\"") && disks.contains("img-ro") && disks.contains("Img0"), disks);
        String saved = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "save_config").requireSuccess().output();
        assertTrue(saved.contains("\"subsystem\" : \"nbd\"") || saved.contains("\"subsystem\": \"nbd\"")
                || saved.contains("\"nbd\""), saved);
        assertTrue(saved.contains("nbd_start_disk"), saved);
        karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "nbd_stop_disk", "nbd_device=img-ro").requireSuccess();
        assertNotEquals(0, run("nbdinfo", base + "img-ro").exit());
        assertTrue(Files.exists(karst.etc().resolve("io.karst.nbd.export-Img0.cfg")));
        // SPDK's nbd_device is the export name, verbatim: a saved SPDK configuration's /dev/nbd0 is served as is
        String started = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "nbd_start_disk", "bdev_name=Img1",
                "nbd_device=/dev/nbd0").requireSuccess().output();
        assertTrue(started.contains("/dev/nbd0"), started);
        assertEquals("33554432", ok("nbdinfo", "--size", base + "/dev/nbd0").trim());
        karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "nbd_stop_disk", "nbd_device=/dev/nbd0").requireSuccess();
        // JMX: the same service
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {"admin", karst.adminPassword()});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(karst.jmxUrl()), env)) {
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            ObjectName nbd = new ObjectName("io.karst:type=nbd");
            assertEquals(karst.nbdPort(), mbeans.getAttribute(nbd, "Port"));
            String name = (String) mbeans.invoke(nbd, "startExport", new Object[] {"Img1", "jmx", true, false,
                "made over JMX", "auto"}, new String[] {"java.lang.String", "java.lang.String", "boolean", "boolean",
                "java.lang.String", "java.lang.String"});
            assertEquals("jmx", name);
            String info = ok("nbdinfo", base + "jmx");
            assertTrue(info.contains("is_read_only: true") && info.contains("made over JMX"), info);
            ObjectName export = new ObjectName("io.karst:type=nbdExport,name=jmx");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!mbeans.isRegistered(export) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals("Img1", mbeans.getAttribute(export, "Bdev"));
            assertEquals(33554432L, mbeans.getAttribute(export, "Size"));
            mbeans.invoke(nbd, "stopExport", new Object[] {"jmx"}, new String[] {"java.lang.String"});
            assertNotEquals(0, run("nbdinfo", base + "jmx").exit());
        }
    }

    @Test
    @Order(7)
    void tlsRequiredWithCertificatesFromEtc() throws Exception {
        Path pki = work.resolve("pki");
        Path clientDir = pki.resolve("client");
        Files.createDirectories(clientDir);
        ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Karst test CA",
                "-keyout", pki.resolve("ca-key.pem").toString(), "-out", clientDir.resolve("ca-cert.pem").toString());
        Path tlsDir = karst.etc().resolve("nbd-tls");
        Files.createDirectories(tlsDir);
        ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                tlsDir.resolve("server-key.pem").toString());
        ok("openssl", "req", "-new", "-key", tlsDir.resolve("server-key.pem").toString(), "-subj", "/CN=localhost",
                "-out", pki.resolve("server.csr").toString());
        Path ext = pki.resolve("ext.cnf");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        ok("openssl", "x509", "-req", "-in", pki.resolve("server.csr").toString(), "-CA",
                clientDir.resolve("ca-cert.pem").toString(), "-CAkey", pki.resolve("ca-key.pem").toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out",
                tlsDir.resolve("server-cert.pem").toString());
        Files.writeString(karst.etc().resolve("io.karst.nbd.cfg"), "tls = require\n");
        karst.awaitShell("nbd:list", out -> out.contains("TLS required") && out.contains("Malloc0"),
                Duration.ofSeconds(60));
        // plain clients are refused
        Run plain = run("nbdinfo", base + "Malloc0");
        assertNotEquals(0, plain.exit(), plain.output());
        // libnbd with the CA
        String tlsUri = "nbds://127.0.0.1:" + karst.nbdPort() + "/Malloc0?tls-certificates=" + clientDir;
        String info = ok("nbdinfo", tlsUri);
        assertTrue(info.contains("export-size: 268435456") && info.contains("TLS"), info);
        // qemu with an x509 credentials object
        List<String> qemu = new ArrayList<>(List.of("qemu-io", "--object",
                "tls-creds-x509,id=tls0,endpoint=client,dir=" + clientDir, "--image-opts", "-c",
                "write -P 0x3c 0 64k", "-c", "read -P 0x3c 0 64k",
                "driver=nbd,host=127.0.0.1,port=" + karst.nbdPort() + ",export=Malloc0,tls-creds=tls0"));
        String io = ok(qemu.toArray(String[]::new));
        assertTrue(io.contains("read 65536/65536"), io);
        assertFalse(io.contains("Pattern verification failed"), io);
        String conns = karst.shell("nbd:connections");
        assertTrue(conns.contains("Phase"), conns);
        // a client that does not trust the server's CA is refused by its own check
        Path otherCa = pki.resolve("other");
        Files.createDirectories(otherCa);
        ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA",
                "-keyout", pki.resolve("other-key.pem").toString(), "-out", otherCa.resolve("ca-cert.pem").toString());
        assertNotEquals(0, run("nbdinfo", "nbds://127.0.0.1:" + karst.nbdPort() + "/Malloc0?tls-certificates="
                + otherCa).exit());
        Files.writeString(karst.etc().resolve("io.karst.nbd.cfg"), "tls = off\n");
        karst.awaitShell("nbd:list", out -> out.contains("TLS off"), Duration.ofSeconds(60));
    }

    @Test
    @Order(8)
    void exportsComeBackAfterARestart() throws Exception {
        karst.stop();
        karst.start();
        karst.awaitShell("nbd:list", out -> out.contains("Img0") && out.contains("Malloc0") && out.contains("serving"),
                Duration.ofSeconds(60));
        assertEquals("33554432", ok("nbdinfo", "--size", base + "Img0").trim());
    }
}
