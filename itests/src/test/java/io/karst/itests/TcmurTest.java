package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.inject.Inject;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.apache.karaf.features.FeaturesService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * tcmur in the real distribution: a native handler .so dropped into the watched handler directory (Debian's
 * handler_qcow, checked with qemu-io), a Java handler bundle dropped into deploy/, removed and updated while a
 * holder has its device open (the holder gets the hot-remove; the configured device comes back with the handler);
 * Debian's handler_file_optical (raw SCSI commands) exported over iSCSI and asked by libiscsi's tools.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TcmurTest extends KarstContainerTestSupport {
    @Inject
    private FeaturesService features;

    private static final String DEBIAN_QCOW = "/usr/lib/x86_64-linux-gnu/tcmu-runner/handler_qcow.so";
    private static final String DEBIAN_OPTICAL = "/usr/lib/x86_64-linux-gnu/tcmu-runner/handler_file_optical.so";

    @Override
    protected Option[] extraOptions() {
        try {
            Path handlers = Files.createTempDirectory("karst-itest-handlers");
            Path work = Files.createTempDirectory("karst-itest-tcmur");
            String version = System.getProperty("karst.version");
            // the handler bundle as the distribution carries it in system/ (a fresh clone's `mvn verify` installs
            // nothing into the local Maven repository); resolved against karaf.home inside the container
            String jar = "system/io/karst/handler-file/" + version + "/handler-file-" + version + ".jar";
            return new Option[] {
                // only a directory of the test's own: the handlers it drops there are the native ones
                editConfigurationFilePut("etc/io.karst.tcmur.cfg", "handler.dirs", handlers.toString()),
                editConfigurationFilePut("etc/io.karst.tcmur.cfg", "scan.interval.ms", "300"),
                editConfigurationFilePut("etc/system.properties", "karst.itest.handlers", handlers.toString()),
                editConfigurationFilePut("etc/system.properties", "karst.iscsi.port", Integer.toString(freePort())),
                editConfigurationFilePut("etc/system.properties", "karst.itest.work", work.toString()),
                editConfigurationFilePut("etc/system.properties", "karst.itest.handler.file.jar", jar),
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Before
    public void awaitKarst() throws Exception {
        awaitCommand("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(60));
        if (!features.isInstalled(features.getFeature("karst-tcmur"))) {
            features.installFeature("karst-tcmur");
        }
        awaitCommand("tcmur:handlers", out -> out.contains("handler directories"), Duration.ofSeconds(60));
    }

    private BdevRegistry registry() {
        return bundleContext.getService(bundleContext.getServiceReference(BdevRegistry.class));
    }

    private static IoStatus io(Consumer<IoCallback> submit) throws Exception {
        CompletableFuture<IoStatus> f = new CompletableFuture<>();
        submit.accept(f::complete);
        return f.get(30, TimeUnit.SECONDS);
    }

    private static ByteBuffer pattern(int size, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        Random r = new Random(seed);
        for (int i = 0; i < size; i += 8) {
            b.putLong(i, r.nextLong());
        }
        return b;
    }

    private static ByteBuffer fill(int size, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", cmd) + " timed out", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", cmd) + ": " + out, 0, p.exitValue());
        return out;
    }

    @Test
    public void aNativeHandlerDroppedIntoTheHandlerDirectoryServesQcowImages() throws Exception {
        Path handlers = Path.of(System.getProperty("karst.itest.handlers"));
        Path work = Path.of(System.getProperty("karst.itest.work"));
        Path img = work.resolve("disk.qcow2");
        run("qemu-img", "create", "-f", "qcow2", img.toString(), "32M");

        Files.copy(Path.of(DEBIAN_QCOW), handlers.resolve("handler_qcow.so"), StandardCopyOption.REPLACE_EXISTING);
        awaitCommand("tcmur:handlers", out -> out.contains("qcow") && out.contains("native"), Duration.ofSeconds(30));
        String created = executeCommand("bdev:create tcmur Qc1 qcow/" + img);
        assertTrue(created, created.contains("65536 blocks of 512 bytes"));
        // bdev:perf's verify workload first: it writes all over the device
        String perf = executeCommand("bdev:perf -s -w verify -q 8 -o 4K -t 1 Qc1");
        assertTrue(perf, perf.contains(" 0 errors, 0 miscompares"));
        try (BdevDescriptor d = registry().open("Qc1", OpenOptions.frontend("itest"))) {
            IoChannel ch = d.openChannel();
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(fill(65536, 0x3c), 2048, 128, cb)));
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(fill(4096, 0x4d), 40000, 8, cb)));
            assertEquals(IoStatus.SUCCESS, io(ch::flush));
            // a misaligned request is refused before the handler (which would abort the JVM)
            assertEquals(IoStatus.MISALIGNED, io(cb -> ch.submitBytes(io.karst.bdev.IoType.READ, 7,
                    ByteBuffer.allocateDirect(512), 0, cb)));
        }
        ObjectName tcmur = new ObjectName("io.karst:type=tcmur");
        CompositeData[] hs = (CompositeData[]) ManagementFactory.getPlatformMBeanServer().getAttribute(tcmur,
                "Handlers");
        boolean found = false;
        for (CompositeData h : hs) {
            found |= "qcow".equals(h.get("subtype")) && List.of((String[]) h.get("devices")).contains("Qc1");
        }
        assertTrue("the MBean lists qcow with its device", found);
        // the tcmur bundle itself updated under the open native device: the library stays loaded, the handler is
        // found again (not initialised twice) and the configured device is reopened by the new code
        org.osgi.framework.Bundle tcmurBundle = null;
        for (org.osgi.framework.Bundle b : bundleContext.getBundles()) {
            if ("io.karst.tcmur".equals(b.getSymbolicName())) {
                tcmurBundle = b;
            }
        }
        assertTrue("tcmur bundle present", tcmurBundle != null);
        long before = tcmurBundle.getLastModified();
        tcmurBundle.update();
        awaitCommand("bdev:list", out -> out.contains("Qc1 "), Duration.ofSeconds(60));
        assertTrue(tcmurBundle.getLastModified() != before);
        String handlersAfter = awaitCommand("tcmur:handlers", out -> out.contains("Qc1"), Duration.ofSeconds(30));
        assertFalse(handlersAfter, handlersAfter.contains("not loaded"));
        try (BdevDescriptor d = registry().open("Qc1", OpenOptions.frontend("itest after update"))) {
            IoChannel ch = d.openChannel();
            ByteBuffer back = ByteBuffer.allocateDirect(4096);
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.read(back, 40000, 8, cb)));
            assertEquals(fill(4096, 0x4d), back);
        }
        executeCommand("bdev:delete Qc1");

        run("qemu-img", "check", img.toString());
        String r1 = run("qemu-io", "-r", "-c", "read -P 0x3c 1M 64k", img.toString());
        String r2 = run("qemu-io", "-r", "-c", "read -P 0x4d " + 40000 * 512 + " 4k", img.toString());
        assertFalse(r1 + r2, (r1 + r2).contains("Pattern verification failed"));

        // the .so leaves the directory: the handler is withdrawn
        Files.delete(handlers.resolve("handler_qcow.so"));
        awaitCommand("tcmur:handlers", out -> !out.contains("qcow"), Duration.ofSeconds(30));
    }

    @Test
    public void aJavaHandlerBundleIsHotDeployedRemovedAndUpdatedUnderAnOpenDevice() throws Exception {
        Path deploy = Path.of(System.getProperty("karaf.base"), "deploy");
        Path jar = Path.of(System.getProperty("karaf.home")).resolve(System.getProperty("karst.itest.handler.file.jar"));
        assertTrue("the distribution carries the handler bundle: " + jar, Files.isRegularFile(jar));
        Path work = Path.of(System.getProperty("karst.itest.work"));
        Path deployed = deploy.resolve("handler-file.jar");

        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        awaitCommand("tcmur:handlers", out -> out.contains("bundle io.karst.handler.file"), Duration.ofSeconds(60));
        String created = executeCommand("bdev:create tcmur F1 file/" + work.resolve("f1.img") + " 8M");
        assertTrue(created, created.contains("Created tcmur bdev F1"));

        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        ByteBuffer data = pattern(1 << 20, 11);
        BdevDescriptor d = registry().open("F1", OpenOptions.frontend("itest holder").withListener((e, b, desc) -> {
            events.add(e);
            if (e == BdevEvent.REMOVE) {
                desc.close();
            }
        }));
        IoChannel ch = d.openChannel();
        assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(data, 100, 2048, cb)));
        assertEquals(IoStatus.SUCCESS, io(ch::flush));

        // removing the bundle hot-removes its device; the holder gets the event
        Files.delete(deployed);
        awaitCommand("bdev:list", out -> !out.contains("F1 "), Duration.ofSeconds(60));
        assertTrue(events.toString(), events.contains(BdevEvent.REMOVE));
        assertTrue(executeCommand("tcmur:handlers"), !executeCommand("tcmur:handlers").contains("io.karst.handler.file"));

        // back: the configured device returns with its data
        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        awaitCommand("bdev:list", out -> out.contains("F1 "), Duration.ofSeconds(60));
        try (BdevDescriptor again = registry().open("F1", OpenOptions.frontend("itest reader"))) {
            IoChannel c2 = again.openChannel();
            ByteBuffer back = ByteBuffer.allocateDirect(1 << 20);
            assertEquals(IoStatus.SUCCESS, io(cb -> c2.read(back, 100, 2048, cb)));
            assertEquals(data, back);
        }

        // an update (a newer jar in deploy/) replaces the handler under the device, which serves again
        long bundleBefore = handlerBundleId();
        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(deployed, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        String perf = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                perf = executeCommand("bdev:perf -s -w verify -q 4 -o 4K -t 0.5 F1");
                if (handlerUpdated(bundleBefore) && perf.contains(" 0 errors")) {
                    break;
                }
            } catch (Exception notBackYet) {
                perf = notBackYet.getMessage();
            }
            Thread.sleep(300);
        }
        assertTrue(perf, perf != null && perf.contains(" 0 errors, 0 miscompares"));
        executeCommand("bdev:delete F1");
        Files.delete(deployed);
    }

    @Test
    public void rawCommandHandlersAnswerAnIscsiInitiatorThroughThePassThrough() throws Exception {
        Path work = Path.of(System.getProperty("karst.itest.work"));
        Path handlers = Path.of(System.getProperty("karst.itest.handlers"));
        Files.copy(Path.of(DEBIAN_OPTICAL), handlers.resolve("handler_file_optical.so"),
                StandardCopyOption.REPLACE_EXISTING);
        awaitCommand("tcmur:handlers", out -> out.contains("fbo"), Duration.ofSeconds(30));
        Path iso = work.resolve("disc.iso");
        Files.write(iso, new byte[8 << 20]);
        executeCommand("bdev:create tcmur Cd1 fbo/" + iso + " 8M");
        executeCommand("iscsi:target-create cd1 0:Cd1");
        String url = "iscsi://127.0.0.1:" + System.getProperty("karst.iscsi.port") + "/iqn.2016-06.io.karst:cd1/0";
        // the handler answers INQUIRY itself (an optical drive, peripheral device type 5) ...
        String inq = run("iscsi-inq", url);
        assertTrue(inq, inq.contains("Peripheral Device Type:5") || inq.contains("Peripheral Device Type: 5")
                || inq.toLowerCase(java.util.Locale.ROOT).contains("mmc"));
        // ... and READ CAPACITY(16), which it leaves to the target's emulation over the bdev (2048-byte blocks)
        String cap = run("iscsi-readcapacity16", url);
        assertTrue(cap, cap.contains("2048"));
        executeCommand("iscsi:target-delete cd1");
        executeCommand("bdev:delete Cd1");
    }

    private long handlerBundleId() {
        for (org.osgi.framework.Bundle b : bundleContext.getBundles()) {
            if ("io.karst.handler.file".equals(b.getSymbolicName())) {
                return b.getLastModified();
            }
        }
        return -1;
    }

    private boolean handlerUpdated(long before) {
        long now = handlerBundleId();
        return now != -1 && now != before;
    }
}
