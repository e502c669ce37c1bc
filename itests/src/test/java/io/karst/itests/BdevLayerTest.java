package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.OpenOptions;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The bdev layer inside the real distribution: bdevs created, used, resized and deleted through the shell; I/O
 * through the registry service; module bundles stopped, updated, uninstalled and reinstalled while a holder has
 * its bdev open (it gets the hot-remove, nothing leaks, the configured bdevs come back); the core itself
 * updated under running RAM bdevs; MBeans.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BdevLayerTest extends KarstContainerTestSupport {
    private static final String MALLOC_BSN = "io.karst.bdev.malloc";
    private static final String CORE_BSN = "io.karst.bdev.core";

    /** The container is up when the shell knows the bdev commands and the default bdev is registered. */
    @Before
    public void awaitKarst() throws Exception {
        awaitCommand("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(60));
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

    private Bundle bundle(String bsn) {
        for (Bundle b : bundleContext.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private Bdev awaitBdev(String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var b = currentRegistry().find(name);
            if (b.isPresent()) {
                return b.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("bdev " + name + " did not come back");
    }

    /** The registry service of the moment: updating the core bundle replaces it. */
    private BdevRegistry currentRegistry() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var ref = bundleContext.getServiceReference(BdevRegistry.class);
            BdevRegistry r = ref == null ? null : bundleContext.getService(ref);
            if (r != null) {
                return r;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no BdevRegistry service");
    }

    /** Waits until a file's content (null: the file is absent) satisfies the condition. */
    private static void awaitFile(Path file, java.util.function.Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String content = null;
        while (System.nanoTime() < deadline) {
            content = Files.exists(file) ? Files.readString(file) : null;
            if (condition.test(content)) {
                return;
            }
            Thread.sleep(100);
        }
        fail(file + ": unexpected content " + content);
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }

    @Test
    public void bdevsAreCreatedUsedResizedAndDeletedThroughCommands() throws Exception {
        String created = executeCommand("bdev:create malloc Ram1 64M 4096");
        assertTrue(created, created.contains("Created malloc bdev Ram1: 16384 blocks of 4096 bytes"));
        assertTrue(executeCommand("bdev:list").contains("Ram1"));
        String info = executeCommand("bdev:info Ram1");
        assertTrue(info, info.contains("Block size:          4096") && info.contains("Configured:          yes"));
        Path etc = Path.of(System.getProperty("karaf.etc"));
        awaitFile(etc.resolve("io.karst.bdev.malloc-Ram1.cfg"), c -> c != null && c.contains("size = 67108864"));

        // I/O through the service, with a holder that listens for events
        List<BdevEvent> events = new CopyOnWriteArrayList<>();
        try (BdevDescriptor d = currentRegistry().open("Ram1", OpenOptions.frontend("itest holder")
                .withListener((e, b, desc) -> events.add(e)))) {
            IoChannel ch = d.openChannel();
            ByteBuffer w = pattern(1 << 20, 7);
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(w, 100, 256, cb)));
            ByteBuffer r = ByteBuffer.allocateDirect(1 << 20);
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.read(r, 100, 256, cb)));
            assertEquals(w, r);
            assertEquals(IoStatus.OUT_OF_RANGE, io(cb -> ch.read(ByteBuffer.allocateDirect(4096), 16384, 1, cb)));

            String holders = executeCommand("bdev:info Ram1");
            assertTrue(holders, holders.contains("itest holder (read-write, read_many_write_shared claim)"));

            // a frontend-style holder blocks an exclusive claim, with the reason
            try {
                executeCommand("bdev:create passthru Pt1 Ram1");
                fail("a passthru cannot claim a bdev a frontend writes to");
            } catch (Exception expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("itest holder has it open"));
            }

            String resized = executeCommand("bdev:resize Ram1 128M");
            assertTrue(resized, resized.contains("32768 blocks"));
            assertEquals(List.of(BdevEvent.RESIZE), events);
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.read(ByteBuffer.allocateDirect(4096), 16384, 1, cb)));
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.read(r, 100, 256, cb)));
            assertEquals("data kept across a resize", w, r);
            // Felix FileInstall writes configuration changes to etc/ asynchronously
            awaitFile(etc.resolve("io.karst.bdev.malloc-Ram1.cfg"), c -> c != null && c.contains("size = 134217728"));
        }

        String perf = executeCommand("bdev:perf -w verify -q 16 -o 4K -t 1 -m 2 Ram1");
        assertTrue(perf, perf.contains(" 0 errors, 0 miscompares"));

        // stacking through the shell: passthru claims its base; the error bdev fails on request
        executeCommand("bdev:create passthru Pt1 Ram1");
        String list = executeCommand("bdev:list");
        assertTrue(list, list.contains("passthru bdev Pt1 (exclusive_write)"));
        try (BdevDescriptor ignored = currentRegistry().open("Ram1", OpenOptions.readWrite("late writer"))) {
            fail("a claimed bdev cannot be opened for writing");
        } catch (BdevException expected) {
            assertEquals(BdevException.Reason.CLAIMED, expected.reason());
        }
        executeCommand("bdev:create error Err1 Pt1");
        executeCommand("bdev:inject-error -n 1 Err1 read failure");
        try {
            executeCommand("bdev:perf -w randread -q 1 -t 0.2 Err1");
            fail("the injected failure must make bdev:perf fail");
        } catch (Exception expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("1 failed I/Os"));
        }
        executeCommand("bdev:delete Err1");
        executeCommand("bdev:delete Pt1");
        executeCommand("bdev:delete Ram1");
        assertFalse(currentRegistry().find("Ram1").isPresent());
        awaitFile(etc.resolve("io.karst.bdev.malloc-Ram1.cfg"), c -> c == null);
        awaitFile(etc.resolve("io.karst.bdev.passthru-Pt1.cfg"), c -> c == null);
    }

    @Test
    public void fileBdevsUseIoUringInsideKarafAndFlushForReal() throws Exception {
        Path image = Path.of(System.getProperty("karaf.data"), "itest-file.img");
        executeCommand("bdev:create file File1 " + image + " size=32M block_size=4096");
        String info = executeCommand("bdev:info File1");
        // the native shim loads inside OSGi: no silent fallback to the thread-pool engine
        assertTrue(info, info.contains("engine: uring (auto)"));
        assertFalse(info, info.contains("fallback"));
        String perf = executeCommand("bdev:perf -w verify -q 32 -t 1 -m 2 File1");
        assertTrue(perf, perf.contains(" 0 errors, 0 miscompares"));
        try (BdevDescriptor d = currentRegistry().open("File1", OpenOptions.frontend("flusher"))) {
            IoChannel ch = d.openChannel();
            assertEquals(IoStatus.SUCCESS, io(ch::flush));
        }
        assertEquals(32L << 20, Files.size(image));
        executeCommand("bdev:delete File1");
        assertTrue("deleting the bdev leaves the user's file alone", Files.exists(image));
    }

    @Test
    public void badCommandInputGetsClearErrors() throws Exception {
        String[][] cases = {
            {"bdev:create malloc Bad1 0", "size must be a positive multiple of the block size"},
            {"bdev:create malloc Bad1 1M 1000", "block size must be a power of two"},
            {"bdev:create malloc Bad1 lots", "bad value for size: 'lots'"},
            {"bdev:create malloc Malloc0 1M", "a bdev named Malloc0 already exists"},
            {"bdev:create floppy F 1M", "no bdev type 'floppy'"},
            {"bdev:create malloc 'a b' 1M", "printable ASCII without spaces"},
            {"bdev:create passthru P NoSuchBase", "no bdev named NoSuchBase"},
            {"bdev:resize NoSuch 1G", "no bdev named NoSuch"},
            {"bdev:resize Malloc0 1000", "positive multiple of the block size"},
            {"bdev:perf -w sideways Malloc0", "unknown workload 'sideways'"},
        };
        for (String[] c : cases) {
            try {
                String out = executeCommand(c[0]);
                fail(c[0] + " should fail, printed: " + out);
            } catch (Exception expected) {
                assertNotNull(c[0], expected.getMessage());
                assertTrue(c[0] + " -> " + expected.getMessage(), expected.getMessage().contains(c[1]));
            }
        }
        assertFalse(currentRegistry().find("Bad1").isPresent());
    }

    @Test
    public void moduleBundleSwapsHotRemoveItsBdevsAndBringThemBack() throws Exception {
        executeCommand("bdev:create malloc Swap1 32M");
        Bdev before = awaitBdev("Swap1");
        UUID uuid = before.uuid();
        Bundle malloc = bundle(MALLOC_BSN);
        assertNotNull(malloc);
        long directBaseline = directMemoryUsed();
        int threadsBaseline = ManagementFactory.getThreadMXBean().getThreadCount();

        for (String action : new String[] {"stop", "update", "reinstall"}) {
            List<BdevEvent> events = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            BdevDescriptor d = currentRegistry().open("Swap1", OpenOptions.frontend("holder during " + action)
                    .withListener((e, b, desc) -> {
                        events.add(e);
                        if (e == BdevEvent.REMOVE) {
                            desc.close();
                            closed.complete(null);
                        }
                    }));
            IoChannel ch = d.openChannel();
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(pattern(4096, 1), 0, 8, cb)));
            switch (action) {
                case "stop" -> {
                    malloc.stop();
                    closed.get(30, TimeUnit.SECONDS);
                    assertFalse("bdevs of a stopped module are gone", currentRegistry().find("Swap1").isPresent());
                    assertFalse(currentRegistry().find("Malloc0").isPresent());
                    assertEquals(IoStatus.REMOVED, io(cb -> ch.read(ByteBuffer.allocateDirect(512), 0, 1, cb)));
                    malloc.start();
                }
                case "update" -> {
                    malloc.update();
                    closed.get(30, TimeUnit.SECONDS);
                }
                default -> {
                    String location = malloc.getLocation();
                    malloc.uninstall();
                    closed.get(30, TimeUnit.SECONDS);
                    assertFalse(currentRegistry().find("Swap1").isPresent());
                    malloc = bundleContext.installBundle(location);
                    malloc.start();
                }
            }
            assertEquals(List.of(BdevEvent.REMOVE), events);
            assertTrue(d.isClosed());
            Bdev back = awaitBdev("Swap1");
            assertEquals("configured bdevs come back with their identity", uuid, back.uuid());
            awaitBdev("Malloc0");
            assertTrue(back.holders().isEmpty());
        }
        // the RAM of the removed instances was released, not leaked: 256 MiB (Malloc0) + 32 MiB per round
        System.gc();
        long grown = directMemoryUsed() - directBaseline;
        assertTrue("direct memory grew by " + grown + " bytes after three module swaps", grown < (64L << 20));
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        assertTrue("threads: " + threadsBaseline + " -> " + threadsAfter, threadsAfter <= threadsBaseline + 5);
        executeCommand("bdev:delete Swap1");
    }

    @Test
    public void updatingTheCoreKeepsModuleDevicesAndTheirData() throws Exception {
        executeCommand("bdev:create malloc Keep1 16M");
        executeCommand("bdev:create passthru KeepPt Keep1");
        ByteBuffer w = pattern(65536, 3);
        try (BdevDescriptor d = currentRegistry().open("KeepPt", OpenOptions.frontend("writer"))) {
            IoChannel ch = d.openChannel();
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.write(w, 64, 128, cb)));
        }
        Bundle core = bundle(CORE_BSN);
        core.update();
        awaitBdev("Keep1");
        Bdev pt = awaitBdev("KeepPt");
        assertEquals("passthru", pt.module());
        try (BdevDescriptor d = currentRegistry().open("KeepPt", OpenOptions.readOnly("reader"))) {
            ByteBuffer r = ByteBuffer.allocateDirect(65536);
            IoChannel ch = d.openChannel();
            assertEquals(IoStatus.SUCCESS, io(cb -> ch.read(r, 64, 128, cb)));
            assertEquals("RAM contents survive an update of the bdev core", w, r);
        }
        awaitCommand("bdev:list", out -> out.contains("KeepPt"), Duration.ofSeconds(30));
        executeCommand("bdev:delete KeepPt");
        executeCommand("bdev:delete Keep1");
    }

    @Test
    public void mbeansShowBdevsAndRunOperations() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName malloc0 = new ObjectName("io.karst:type=bdev,name=Malloc0");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!server.isRegistered(malloc0) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(server.isRegistered(malloc0));
        assertEquals(512, server.getAttribute(malloc0, "BlockSize"));
        assertEquals(524288L, server.getAttribute(malloc0, "BlockCount"));
        assertEquals("malloc", server.getAttribute(malloc0, "Module"));
        executeCommand("bdev:perf -w randread -q 4 -t 0.3 Malloc0");
        assertTrue((Long) server.getAttribute(malloc0, "ReadOps") > 0);
        String[] hist = (String[]) server.invoke(malloc0, "latencyHistogram", new Object[] {"read"},
                new String[] {String.class.getName()});
        assertTrue(hist.length > 0);

        ObjectName layer = new ObjectName("io.karst:type=bdevs");
        server.invoke(layer, "create", new Object[] {"null", "JmxNull", new String[] {"1G", "4096"}},
                new String[] {String.class.getName(), String.class.getName(), String[].class.getName()});
        ObjectName jmxNull = new ObjectName("io.karst:type=bdev,name=JmxNull");
        assertTrue(server.isRegistered(jmxNull));
        assertEquals(4096, server.getAttribute(jmxNull, "BlockSize"));
        server.invoke(jmxNull, "delete", new Object[0], new String[0]);
        assertFalse(server.isRegistered(jmxNull));
        assertFalse(currentRegistry().find("JmxNull").isPresent());

        // what the shell does with bdev:perf and bdev:inject-error, over JMX
        String[] sig = {String.class.getName(), String.class.getName(), int.class.getName(), String.class.getName(),
            double.class.getName(), int.class.getName()};
        server.invoke(layer, "create", new Object[] {"malloc", "JmxRam", new String[] {"16M"}},
                new String[] {String.class.getName(), String.class.getName(), String[].class.getName()});
        server.invoke(layer, "create", new Object[] {"error", "JmxErr", new String[] {"JmxRam"}},
                new String[] {String.class.getName(), String.class.getName(), String[].class.getName()});
        String clean = (String) server.invoke(layer, "perf", new Object[] {"JmxErr", "verify", 8, "4K", 0.3, 1}, sig);
        assertTrue(clean, clean.contains(" 0 errors, 0 miscompares"));
        ObjectName injection = new ObjectName("io.karst:type=errorInjection");
        server.invoke(injection, "inject", new Object[] {"JmxErr", "read", "failure", 2},
                new String[] {String.class.getName(), String.class.getName(), String.class.getName(),
                    int.class.getName()});
        String failed = (String) server.invoke(layer, "perf", new Object[] {"JmxErr", "randread", 1, "4K", 0.3, 1},
                sig);
        assertTrue(failed, failed.contains(" 2 errors"));
        server.invoke(layer, "delete", new Object[] {"JmxErr"}, new String[] {String.class.getName()});
        server.invoke(layer, "delete", new Object[] {"JmxRam"}, new String[] {String.class.getName()});
    }
}
