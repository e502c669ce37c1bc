package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The FUSE frontend in the real distribution (feature karst-fuse), driven by real clients from Debian: fio with
 * verification, mkfs.ext4 + losetup + mount + e2fsck, qemu-img, cat, dd. Needs root and /dev/fuse (CI has both).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FuseFrontendTest extends KarstContainerTestSupport {
    private static final Pattern FILE_ROW = Pattern.compile(
            "dev/(\\S+)\\s*\\|\\s*(ro|rw)\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)/(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|"
                    + "\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)");

    @Inject
    private FeaturesService features;

    private Path mnt;
    private Path work;

    record Run(int exit, String output) {
    }

    @Before
    public void installFuse() throws Exception {
        assumeTrue("needs root and /dev/fuse", "root".equals(System.getProperty("user.name"))
                && Files.exists(Path.of("/dev/fuse")));
        if (!features.isInstalled(features.getFeature("karst-fuse"))) {
            executeCommand("feature:install karst-fuse", Duration.ofMinutes(2));
        }
        String status = awaitCommand("fuse:status", out -> out.contains("State       : mounted"), Duration.ofSeconds(60));
        Matcher m = Pattern.compile("Mount point : (\\S+)").matcher(status);
        assertTrue(status, m.find());
        mnt = Path.of(m.group(1));
        assertEquals("the default mount point is under the data directory",
                Path.of(System.getProperty("karaf.data"), "fuse").toAbsolutePath().normalize(), mnt);
        work = Path.of(System.getProperty("karaf.data"), "fuse-test");
        Files.createDirectories(work);
    }

    static Run sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String ok(String command) throws IOException, InterruptedException {
        Run r = sh(command);
        assertEquals("`" + command + "`:\n" + r.output(), 0, r.exit());
        return r.output();
    }

    private void ensureBdev(String name, String createArgs) throws Exception {
        if (!executeCommand("bdev:list").contains(name + " ")) {
            executeCommand("bdev:create " + createArgs);
        }
    }

    /** The row of fuse:files for a bdev: groups 6 = in flight, 7 = max in flight, 10 = flushes. */
    private Matcher fileRow(String bdev) throws Exception {
        String out = executeCommand("fuse:files");
        Matcher m = FILE_ROW.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(bdev)) {
                return m;
            }
        }
        throw new AssertionError("no row for dev/" + bdev + " in\n" + out);
    }

    @Test
    public void fioVerifiesThroughTheFileWithManyIosInFlight() throws Exception {
        ensureBdev("FuseRam0", "malloc FuseRam0 64M 512");
        // latency at the bdev keeps I/Os in flight long enough to be seen together
        ensureBdev("FuseDelay0", "delay FuseDelay0 FuseRam0 avg_read_latency=300 p99_read_latency=300"
                + " avg_write_latency=300 p99_write_latency=300");
        Path file = mnt.resolve("dev/FuseDelay0");
        for (String engine : new String[] {"psync", "libaio"}) {
            ok("fio --name=verify-" + engine + " --filename=" + file + " --ioengine=" + engine + " --direct=1"
                    + " --rw=randwrite --bs=4k --iodepth=32 --numjobs=4 --size=16m --offset_increment=16m"
                    + " --verify=crc32c --verify_state_save=0 --verify_fatal=1 --do_verify=1 --group_reporting");
        }
        Matcher row = fileRow("FuseDelay0");
        long max = Long.parseLong(row.group(7));
        assertTrue("most I/Os in flight at once on dev/FuseDelay0: " + max, max >= 16);
        assertEquals(max, Long.parseLong(ok("cat " + mnt + "/sys/block/FuseDelay0/fuse/inflight_max").trim()));
        assertEquals("0/0", row.group(4) + "/" + row.group(5));
    }

    @Test
    public void ext4OnTheFileThroughALoopDeviceIsClean() throws Exception {
        Path backing = work.resolve("ext4.img");
        ensureBdev("FuseDisk0", "file FuseDisk0 " + backing + " size=128M block_size=4096");
        Path file = mnt.resolve("dev/FuseDisk0");
        Path dir = work.resolve("ext4-mnt");
        Files.createDirectories(dir);
        ok("mkfs.ext4 -q -F " + file);
        String loop = ok("losetup -f --show " + file).trim();
        try {
            ok("mount " + loop + " " + dir);
            ok("head -c 20000000 /dev/urandom > " + dir + "/a.bin && mkdir " + dir + "/d && for i in $(seq 1 50); do"
                    + " echo file $i > " + dir + "/d/f$i; done && sha256sum " + dir + "/a.bin > " + work + "/a.sum"
                    + " && sync");
            ok("umount " + dir);
            ok("mount " + loop + " " + dir + " && sha256sum -c " + work + "/a.sum && cat " + dir + "/d/f50"
                    + " && umount " + dir);
        } finally {
            sh("umount " + dir + " 2>/dev/null; losetup -d " + loop);
        }
        String fsck = ok("e2fsck -f -n " + file);
        assertTrue(fsck, fsck.contains("52/") || fsck.contains("files"));
        String info = ok("qemu-img info " + file);
        assertTrue(info, info.contains("file format: raw") && info.contains("virtual size: 128 MiB"));
        // the file system's flushes reached the bdev: field 16 of Linux's stat layout
        String[] stat = ok("cat " + mnt + "/sys/block/FuseDisk0/stat").trim().split("\\s+");
        assertTrue("flushes " + stat[15], Long.parseLong(stat[15]) > 0);
        assertTrue(Long.parseLong(fileRow("FuseDisk0").group(10)) > 0);
    }

    @Test
    public void readOnlyBdevCannotBeWrittenOrMountedReadWrite() throws Exception {
        Path image = work.resolve("ro.img");
        if (!Files.exists(image)) {
            ok("truncate -s 32M " + image + " && mkfs.ext4 -q -F " + image);
        }
        ensureBdev("FuseRo0", "file FuseRo0 " + image + " readonly=true");
        Path file = mnt.resolve("dev/FuseRo0");
        assertTrue(ok("ls -l " + file).startsWith("-r--r-----"));
        assertTrue(sh("dd if=/dev/zero of=" + file + " bs=4k count=1 conv=notrunc").output()
                .contains("Read-only file system"));
        assertEquals("1\n", ok("cat " + mnt + "/sys/block/FuseRo0/ro"));
        // losetup falls back to a read-only loop device; a read-write mount of it is refused
        String loop = ok("losetup -f --show " + file + " 2>/dev/null").trim();
        Path dir = work.resolve("ro-mnt");
        Files.createDirectories(dir);
        try {
            assertEquals("1\n", ok("cat /sys/block/" + loop.substring(5) + "/ro"));
            // -w: no silent fallback to a read-only mount
            Run rw = sh("mount -w " + loop + " " + dir);
            assertNotEquals(rw.output(), 0, rw.exit());
            ok("mount -o ro " + loop + " " + dir + " && ls " + dir + " && umount " + dir);
        } finally {
            sh("umount " + dir + " 2>/dev/null; losetup -d " + loop);
        }
        ok("e2fsck -f -n " + file);
    }

    @Test
    public void writeOpenOfAClaimedBdevIsBusy() throws Exception {
        ensureBdev("FuseBusy0", "malloc FuseBusy0 16M 512");
        ensureBdev("FuseBusyPt", "passthru FuseBusyPt FuseBusy0");
        Path file = mnt.resolve("dev/FuseBusy0");
        assertTrue(sh("dd if=/dev/zero of=" + file + " bs=4k count=1 conv=notrunc").output()
                .contains("Device or resource busy"));
        assertNotEquals(0, sh("mkfs.ext4 -q -F " + file).exit());
        ok("dd if=" + file + " of=/dev/null bs=4k count=16");
        assertTrue(ok("cat " + mnt + "/sys/block/FuseBusy0/claim").startsWith("exclusive_write passthru"));
        // the passthru's own file is writable
        ok("dd if=/dev/zero of=" + mnt + "/dev/FuseBusyPt bs=4k count=1 conv=notrunc");
        Matcher row = fileRow("FuseBusy0");
        assertTrue(Long.parseLong(row.group(11)) > 0);
    }

    @Test
    public void statusFilesReadWithCat() throws Exception {
        assertEquals("dev\nproc\nsys\n", ok("ls " + mnt));
        assertTrue(ok("ls " + mnt + "/dev").contains("Malloc0\n"));
        assertEquals("524288\n", ok("cat " + mnt + "/sys/block/Malloc0/size"));
        assertEquals("512\n", ok("cat " + mnt + "/sys/block/Malloc0/queue/logical_block_size"));
        assertEquals("0\n", ok("cat " + mnt + "/sys/block/Malloc0/ro"));
        assertEquals("malloc\n", ok("cat " + mnt + "/sys/block/Malloc0/module"));
        assertTrue(ok("cat " + mnt + "/proc/bdevs").contains("Malloc0"));
        assertTrue(ok("cat " + mnt + "/proc/diskstats").matches("(?s).*\\s0\\s+\\d+ Malloc0( \\d+){17}\n.*"));
        assertTrue(ok("cat " + mnt + "/proc/fuse").startsWith("mount: " + mnt + " (mounted)"));
        assertEquals("mounted\n", ok("cat " + mnt + "/sys/fuse/state"));
    }

    @Test
    public void exportsCommandAndMBean() throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName fuse = new javax.management.ObjectName("io.karst:type=fuse");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!jmx.isRegistered(fuse) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("mounted", jmx.getAttribute(fuse, "State"));
        assertEquals(mnt.toString(), jmx.getAttribute(fuse, "MountPoint"));
        try {
            executeCommand("fuse:exports Malloc0");
            assertEquals("Malloc0\n", ok("ls " + mnt + "/dev"));
            assertTrue(Files.readString(Path.of(System.getProperty("karaf.etc"), "io.karst.fuse.cfg"))
                    .contains("exports = Malloc0"));
            ok("dd if=" + mnt + "/dev/Malloc0 of=/dev/null bs=4k count=8");
            String[] files = (String[]) jmx.getAttribute(fuse, "Files");
            assertEquals(1, files.length);
            assertTrue(files[0], files[0].startsWith("dev/Malloc0 opens=0/0"));
            // getExports/setExports make Exports a writable attribute
            jmx.setAttribute(fuse, new javax.management.Attribute("Exports", new String[] {"*"}));
            awaitCommand("fuse:exports", out -> out.trim().equals("*"), Duration.ofSeconds(10));
        } finally {
            executeCommand("fuse:exports *");
        }
        assertTrue(ok("ls " + mnt + "/dev").contains("Malloc0\n"));
    }

    @Test
    public void bundleStopUnmountsEvenWithAClientHoldingAFile() throws Exception {
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + mnt.resolve("dev/Malloc0") + "; sleep 120")
                .start();
        try {
            Thread.sleep(500);
            executeCommand("bundle:stop io.karst.fuse");
            assertFalse(ok("cat /proc/self/mountinfo").contains(" " + mnt + " "));
            assertFalse(executeCommand("bdev:info Malloc0").contains("fuse file"));
        } finally {
            holder.destroyForcibly().waitFor();
            executeCommand("bundle:start io.karst.fuse");
        }
        awaitCommand("fuse:status", out -> out.contains("State       : mounted"), Duration.ofSeconds(30));
        assertTrue(ok("cat /proc/self/mountinfo").contains(" " + mnt + " "));
        ok("ls " + mnt + "/dev/Malloc0");
    }
}
