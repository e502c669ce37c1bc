package io.karst.tcmur.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.bdev.BdevDescriptor;
import io.karst.handler.ram.RamHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Survives memory pressure: devices of Debian's handler_qcow (native) and of the Java ram handler opened and closed
 * 1,000 times with concurrent I/O, in a JVM of its own with a small heap and little direct memory. The resident set
 * and the native allocations after cycle 1,000 are compared with those after cycle 100, and every native device and
 * command slot is freed.
 */
class MemoryPressureTest {
    static final boolean LONG = Boolean.getBoolean("karst.long");
    static final int CYCLES = LONG ? 10_000 : 1_000;

    @Test
    void openCloseCyclesWithConcurrentIoLeakNothing(@TempDir Path dir) throws Exception {
        Path img = dir.resolve("p.qcow2");
        assertThat(Tools.run("qemu-img", "create", "-f", "qcow2", img.toString(), "16M").exit()).isZero();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx48m", "-XX:MaxDirectMemorySize=96m",
                "-Dkarst.tcmur.native.dir=" + System.getProperty("karst.tcmur.native.dir", ""),
                "-cp", System.getProperty("java.class.path"), Cycles.class.getName(), dir.toString(), img.toString(),
                Integer.toString(CYCLES)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        out.lines().filter(l -> l.startsWith("cycle ") || l.startsWith("closed:")).forEach(System.out::println);
        Map<String, Long> at100 = figures(out, "cycle 100:");
        Map<String, Long> atEnd = figures(out, "cycle " + CYCLES + ":");
        Map<String, Long> closed = figures(out, "closed:");
        assertThat(closed.get("devices")).as(out).isZero();
        assertThat(closed.get("cmds")).as(out).isZero();
        // What a leak would cost over the 900 cycles between the two figures: one device's native command slots
        // (128 of about 2.4 KiB) about 270 MiB per device type; handler_qcow's per-image caches (over 1 MiB) about
        // 1 GiB. What the JVM itself still grows meanwhile (JIT code and compiler arenas, heap up to -Xmx, malloc
        // arenas of new threads) stays far below the bounds; the host's own objects are counted exactly.
        assertThat(atEnd.get("rss") - at100.get("rss")).as("RSS growth from cycle 100 to the end, KiB\n" + out)
                .isLessThan(64 * 1024);
        assertThat(atEnd.get("malloc") - at100.get("malloc"))
                .as("growth of malloc'd memory besides direct buffers, bytes\n" + out).isLessThan(64L << 20);
        assertThat(Tools.run("qemu-img", "check", img.toString()).exit()).isZero();
    }

    private static Map<String, Long> figures(String out, String prefix) {
        for (String line : out.split("\n")) {
            if (line.startsWith(prefix)) {
                Map<String, Long> m = new HashMap<>();
                for (String kv : line.substring(prefix.length()).trim().split(" ")) {
                    String[] p = kv.split("=");
                    m.put(p[0], Long.parseLong(p[1]));
                }
                return m;
            }
        }
        throw new AssertionError("no '" + prefix + "' in\n" + out);
    }

    /** The cycles, in the small-heap JVM. */
    public static final class Cycles {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            String img = args[1];
            int cycles = Integer.parseInt(args[2]);
            NativeHost host = NativeHost.load(dir.resolve("native"));
            HandlerRegistry registry = new HandlerRegistry(host, List.of(Path.of(HandlerRegistry.DEBIAN_DIR)));
            registry.scan();
            registry.addJavaHandler(new RamHandler(), "test");
            try (BdevHarness harness = new BdevHarness().removalTimeout(2000)) {
                for (int i = 1; i <= cycles; i++) {
                    cycle(registry, harness, "qcow/" + img, "Q" + i);
                    cycle(registry, harness, "ram/", "R" + i);
                    if (i == 100 || i == cycles) {
                        settle();
                        report(host, "cycle " + i + ":");
                    }
                }
            }
            settle();
            report(host, "closed:");
            host.stop();
        }

        static void cycle(HandlerRegistry registry, BdevHarness harness, String cfg, String name) throws Exception {
            Map<String, Object> config = new HashMap<>();
            config.put("name", name);
            config.put(TcmurBdevType.CFGSTRING, cfg);
            config.put("size", Long.toString(16L << 20));
            TcmurBdevComponent c = new TcmurBdevComponent(registry, device -> {
                harness.register(device);
                return () -> harness.unregister(device);
            }, config);
            BdevDescriptor d = harness.registry().open(name, OpenOptions.readWrite("pressure"));
            AtomicReference<Throwable> failed = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(2);
            AtomicInteger errors = new AtomicInteger();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                Thread th = new Thread(() -> {
                    try (IoChannel ch = d.openChannel()) {
                        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                        CountDownLatch inflight = new CountDownLatch(16);
                        for (int k = 0; k < 16; k++) {
                            long lba = ((seed * 16L + k) * 8) % 32768;
                            if (k % 2 == 0) {
                                ch.write(buf, lba, 8, s -> {
                                    if (s != IoStatus.SUCCESS && s != IoStatus.NO_MEMORY) {
                                        errors.incrementAndGet();
                                    }
                                    inflight.countDown();
                                });
                            } else {
                                ch.read(buf, lba, 8, s -> {
                                    if (s != IoStatus.SUCCESS && s != IoStatus.NO_MEMORY) {
                                        errors.incrementAndGet();
                                    }
                                    inflight.countDown();
                                });
                            }
                        }
                        inflight.await(30, TimeUnit.SECONDS);
                    } catch (Throwable e) {
                        failed.set(e);
                    } finally {
                        done.countDown();
                    }
                });
                th.start();
            }
            done.await(60, TimeUnit.SECONDS);
            d.close();
            c.deactivate();
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            if (errors.get() > 0) {
                throw new AssertionError(errors.get() + " I/O errors on " + name);
            }
        }

        /** Lets the collector free unreachable direct buffers (their memory is malloc'd too). */
        static void settle() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
            }
        }

        static long directBytes() {
            for (java.lang.management.BufferPoolMXBean pool
                    : java.lang.management.ManagementFactory.getPlatformMXBeans(
                            java.lang.management.BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    return pool.getMemoryUsed();
                }
            }
            return 0;
        }

        static void report(NativeHost host, String label) throws IOException {
            long[] s = new long[4];
            host.lib.kt_stats(s, s.length);
            s[2] -= directBytes(); // native allocations besides the JVM's direct buffers
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            System.out.println(label + " rss=" + rss + " malloc=" + s[2] + " devices=" + s[0] + " cmds=" + s[1]);
        }
    }
}
