package io.karst.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The FUSE mount across the life of a real Karst process: mounted when the feature is installed and at every
 * start, gone after {@code bin/karst stop}, and after a kill -9 (a crashed JVM leaves a dead mount behind) cleaned
 * and mounted again by the next start. Needs root and /dev/fuse.
 */
class FuseMountLifecycleTest {
    private static KarstInstance karst;
    private static Path mnt;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/fuse")),
                "needs root and /dev/fuse");
        Path work = Path.of(System.getProperty("project.build.directory", "target"), "fuse-e2e");
        Path home = KarstInstance.unpack(work.resolve("dist"));
        karst = KarstInstance.create(home, work.resolve("instance"), "karst-fuse-e2e");
        karst.start();
        mnt = karst.base().resolve("data/fuse").toAbsolutePath().normalize();
    }

    @AfterAll
    static void stop() throws Exception {
        if (karst != null) {
            karst.close();
        }
        if (mnt != null && mounted()) {
            sh("umount -l " + mnt);
        }
    }

    static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    static boolean mounted() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mnt + " ");
    }

    private void awaitMounted() throws Exception {
        karst.awaitShell("fuse:status", out -> out.contains("State       : mounted"), Duration.ofSeconds(60));
        assertTrue(mounted());
        assertTrue(sh("ls " + mnt + "/dev").contains("Malloc0"));
    }

    @Test
    void mountedWhileRunningGoneAfterStopCleanedAfterACrash() throws Exception {
        karst.shell("feature:install karst-fuse");
        awaitMounted();
        assertTrue(Files.readString(karst.etc().resolve("io.karst.fuse.cfg")).contains("mount.point"));

        // a clean stop unmounts, also while a client holds a file open
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + mnt.resolve("dev/Malloc0") + "; sleep 120")
                .start();
        try {
            Thread.sleep(500);
            karst.stop();
            assertFalse(mounted(), "mounted after bin/karst stop");
        } finally {
            holder.destroyForcibly().waitFor();
        }

        // the feature stays installed: the next start mounts again
        karst.start();
        awaitMounted();

        // a crash leaves a dead mount ("Transport endpoint is not connected"); the next start cleans it up
        karst.kill();
        assertTrue(mounted(), "a killed JVM cannot unmount");
        assertTrue(sh("ls " + mnt).contains("Transport endpoint is not connected"));
        karst.start();
        awaitMounted();
        assertTrue(Files.readString(karst.base().resolve("data/log/karaf.log"))
                .contains("removed a stale FUSE mount"));
        assertEquals(1, Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" " + mnt + " ")).count());
        karst.stop();
        assertFalse(mounted());
    }
}
