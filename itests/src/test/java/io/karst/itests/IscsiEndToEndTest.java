package io.karst.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The iSCSI target of the distribution with real initiators from Debian: libiscsi's tools (iscsi-ls, iscsi-inq,
 * iscsi-readcapacity16), qemu-img through its iscsi:// driver, and libiscsi's conformance suite iscsi-test-cu.
 * One instance, on a free iSCSI port, with the shipped default target (Malloc0 as LUN 0).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IscsiEndToEndTest {
    static final String IQN = "iqn.2016-06.io.karst:malloc0";
    private static KarstInstance karst;
    private static Path work;
    private static String portal;

    @BeforeAll
    static void start() throws Exception {
        work = Path.of(System.getProperty("project.build.directory", "target"), "iscsi-e2e");
        Path home = KarstInstance.unpack(work.resolve("dist"));
        karst = KarstInstance.create(home, work.resolve("instance"), "karst-iscsi-e2e");
        karst.karst(KarstInstance.COMMAND_TIMEOUT, "init").requireSuccess();
        int port = KarstContainerTestSupport.freePort();
        Path sys = karst.etc().resolve("system.properties");
        String props = Files.readString(sys).replaceAll("(?m)^karst\\.iscsi\\.port\\s*=.*$", "karst.iscsi.port = " + port);
        Files.writeString(sys, props);
        // a CHAP-protected target and its secrets, as an operator would drop them into etc/
        Files.writeString(karst.etc().resolve("io.karst.iscsi.authgroup-ag1.cfg"),
                "tag = 1\nsecrets = alice:alicesecret12\n");
        Files.writeString(karst.etc().resolve("io.karst.iscsi.target-secure.cfg"),
                "name = secure\nluns = 0:Malloc0\npg_ig_maps = 1:1\nrequire_chap = true\nchap_group = 1\n");
        karst.start();
        portal = "127.0.0.1:" + port;
        karst.awaitShell("iscsi:targets", out -> out.contains(IQN) && out.contains("attached"),
                Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        if (karst != null) {
            karst.close();
        }
    }

    record Run(int exit, String output) {
    }

    static Run run(Duration timeout, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException e) {
                // gone
            }
        });
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + ":\n" + out);
        }
        reader.join(5000);
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... command) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(120), command);
    }

    static String url(String target, int lun) {
        return "iscsi://" + portal + "/" + target + "/" + lun;
    }

    @Test
    @Order(1)
    void discoveryInquiryAndCapacity() throws Exception {
        Run ls = run("iscsi-ls", "-s", "iscsi://alice%alicesecret12@" + portal);
        assertTrue(ls.output().contains("Target:" + IQN + " Portal:" + portal + ",1"), ls.output());
        assertTrue(ls.output().contains("Lun:0    Type:DIRECT_ACCESS"), ls.output());
        Run inq = run("iscsi-inq", url(IQN, 0));
        assertEquals(0, inq.exit(), inq.output());
        assertTrue(inq.output().contains("Vendor:KARST"), inq.output());
        assertTrue(inq.output().contains("Product:Malloc disk"), inq.output());
        Run serial = run("iscsi-inq", "-e", "1", "-c", "128", url(IQN, 0));
        // the serial number is the bdev UUID of etc/io.karst.bdev.malloc-Malloc0.cfg: stable across restarts
        assertTrue(serial.output().contains("708939a091df4d5a9ad726ab9d323198"), serial.output());
        Run cap = run("iscsi-readcapacity16", url(IQN, 0));
        assertEquals(0, cap.exit(), cap.output());
        assertTrue(cap.output().contains("LOGICAL BLOCK LENGTH IN BYTES:512"), cap.output());
        assertTrue(cap.output().contains("Total size:268435456"), cap.output());
        assertTrue(cap.output().contains("LBPME:1"), cap.output()); // Malloc0 unmaps: thin provisioned
    }

    @Test
    @Order(2)
    void chapProtectsTheSecureTargetAndWrongSecretsAreRefused() throws Exception {
        String secure = "iqn.2016-06.io.karst:secure";
        Run none = run("iscsi-inq", url(secure, 0));
        assertNotEquals(0, none.exit(), none.output());
        Run wrong = run("iscsi-inq", "iscsi://alice%notthesecret@" + portal + "/" + secure + "/0");
        assertNotEquals(0, wrong.exit(), wrong.output());
        Run right = run("iscsi-inq", "iscsi://alice%alicesecret12@" + portal + "/" + secure + "/0");
        assertEquals(0, right.exit(), right.output());
        assertTrue(right.output().contains("Vendor:KARST"), right.output());
        String log = Files.readString(karst.base().resolve("data/log/karaf.log"));
        assertTrue(log.contains("CHAP response of user alice is wrong"), "refusal logged");
        assertFalse(log.contains("alicesecret12") || log.contains("notthesecret"), "secrets are never logged");
    }

    @Test
    @Order(3)
    void qemuImgConvertsAnImageInAndOutByteForByte() throws Exception {
        Path image = work.resolve("image.raw");
        Path back = work.resolve("back.raw");
        byte[] data = new byte[64 << 20];
        new Random(42).nextBytes(data);
        Files.write(image, data);
        Run in = run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), url(IQN, 0));
        assertEquals(0, in.exit(), in.output());
        Run cmp = run("qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), url(IQN, 0));
        // the LUN is larger than the image; compare checks the image's range and that the rest reads as zero
        assertTrue(cmp.output().contains("Images are identical") || cmp.exit() == 0, cmp.output());
        Files.deleteIfExists(back);
        Run out = run("qemu-img", "convert", "-f", "raw", "-O", "raw", url(IQN, 0), back.toString());
        assertEquals(0, out.exit(), out.output());
        byte[] read = Files.readAllBytes(back);
        assertEquals(256 << 20, read.length);
        assertArrayEquals(data, java.util.Arrays.copyOf(read, data.length));
    }

    @Test
    @Order(4)
    void lunsAreAddedAndRemovedLive() throws Exception {
        karst.shell("bdev:create malloc Ram1 32M");
        karst.shell("iscsi:lun-add malloc0 1 Ram1");
        Run ls = run("iscsi-ls", "-s", "iscsi://alice%alicesecret12@" + portal);
        assertTrue(ls.output().contains("Lun:1"), ls.output());
        assertTrue(karst.shell("bdev:info Ram1").contains("iSCSI " + IQN + " LUN 1"));
        karst.shell("iscsi:lun-remove malloc0 1");
        Run after = run("iscsi-ls", "-s", "iscsi://alice%alicesecret12@" + portal);
        assertFalse(after.output().contains("Lun:1"), after.output());
        // a bdev that goes away takes its LUN with it
        karst.shell("iscsi:lun-add malloc0 2 Ram1");
        karst.shell("bdev:delete Ram1");
        Run gone = run("iscsi-ls", "-s", "iscsi://alice%alicesecret12@" + portal);
        assertFalse(gone.output().contains("Lun:2"), gone.output());
        assertTrue(gone.output().contains("Lun:0"), gone.output());
        karst.shell("iscsi:lun-remove malloc0 2");
        // the same through SPDK's JSON-RPC methods
        karst.shell("bdev:create malloc Ram2 16M");
        KarstInstance.Result add = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "iscsi_target_node_add_lun",
                "name=" + IQN, "bdev_name=Ram2", "lun_id=3").requireSuccess();
        KarstInstance.Result nodes = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "iscsi_get_target_nodes")
                .requireSuccess();
        assertTrue(nodes.output().contains("\"bdev_name\": \"Ram2\"") || nodes.output().contains("\"bdev_name\":\"Ram2\""),
                add.output() + nodes.output());
        Run withRam2 = run("iscsi-ls", "-s", "iscsi://alice%alicesecret12@" + portal);
        assertTrue(withRam2.output().contains("Lun:3"), withRam2.output());
        karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "iscsi_target_node_remove_lun", "name=" + IQN, "lun_id=3")
                .requireSuccess();
        KarstInstance.Result bad = karst.karst(KarstInstance.COMMAND_TIMEOUT, "rpc", "iscsi_target_node_remove_lun",
                "name=" + IQN, "lun_id=3");
        assertNotEquals(0, bad.exitCode(), bad.output());
    }

    /**
     * libiscsi's conformance suite on the default LUN: no test fails, and every test of the recorded pass list
     * (src/test/resources/iscsi-test-cu-pass.txt) still passes. The log is kept in target/iscsi-e2e.
     */
    @Test
    @Order(5)
    void conformanceSuitePassesWithoutFailures() throws Exception {
        Run suite = run(Duration.ofSeconds(600), "iscsi-test-cu", "-d", "-t", "ALL", url(IQN, 0));
        Files.writeString(work.resolve("iscsi-test-cu-ALL.log"), suite.output());
        Map<String, String> results = parse(suite.output());
        assertTrue(results.size() >= 200, "the suite ran: " + results.size() + " tests\n" + tail(suite.output()));
        List<String> failed = new ArrayList<>();
        results.forEach((test, verdict) -> {
            if (verdict.equals("FAILED")) {
                failed.add(test);
            }
        });
        assertTrue(failed.isEmpty(), "failed: " + failed);
        List<String> expected = Files.readAllLines(Path.of("src/test/resources/iscsi-test-cu-pass.txt")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> regressions = new ArrayList<>();
        for (String t : expected) {
            if (!"passed".equals(results.get(t))) {
                regressions.add(t + "=" + results.get(t));
            }
        }
        assertTrue(regressions.isEmpty(), "no longer passing: " + regressions);
        TreeSet<String> passed = new TreeSet<>();
        results.forEach((t, v) -> {
            if (v.equals("passed")) {
                passed.add(t);
            }
        });
        Files.write(work.resolve("iscsi-test-cu-pass.txt"), passed);
    }

    /** Test name to verdict (passed, FAILED, skipped), as the suite prints them (CUnit counts skips as passes). */
    static Map<String, String> parse(String log) {
        Map<String, String> out = new LinkedHashMap<>();
        String suite = null;
        String current = null;
        boolean skipped = false;
        String verdict = null;
        Pattern suiteLine = Pattern.compile("^Suite: (\\S+)");
        Pattern testLine = Pattern.compile("^\\s+Test: (\\S+) \\.\\.\\.(.*)");
        for (String line : log.split("\n")) {
            Matcher s = suiteLine.matcher(line);
            if (s.find()) {
                suite = s.group(1);
                continue;
            }
            Matcher t = testLine.matcher(line);
            if (t.find()) {
                if (current != null) {
                    out.put(current, verdict == null ? "unknown" : verdict.equals("passed") && skipped ? "skipped"
                            : verdict);
                }
                current = suite + "." + t.group(1);
                skipped = false;
                verdict = null;
                line = t.group(2);
            }
            if (current == null) {
                continue;
            }
            if (line.contains("[SKIPPED]")) {
                skipped = true;
            }
            String before = line.split("\\[(FAILED|SKIPPED)\\]")[0];
            if (verdict == null) {
                Matcher v = Pattern.compile("\\b(passed|FAILED)\\b").matcher(before);
                if (v.find()) {
                    verdict = v.group(1);
                }
            }
        }
        if (current != null) {
            out.put(current, verdict == null ? "unknown" : verdict.equals("passed") && skipped ? "skipped" : verdict);
        }
        return out;
    }

    static String tail(String s) {
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
