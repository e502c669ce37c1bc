package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.Bdev;
import io.karst.bdev.IoType;
import io.karst.bdev.malloc.MallocBdev;
import io.karst.bdev.spi.BdevProperties;
import io.karst.bdev.spi.BlockDevice;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.testkit.BdevHarness;
import io.karst.bdev.virtual.internal.DelayBdev;
import io.karst.bdev.virtual.internal.PassthruBdev;
import io.karst.bdev.virtual.internal.StackedBdev;
import io.karst.status.StatusFileProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file system mounted for real (root and /dev/fuse needed; CI runs as root) over the real bdev core, driven
 * by real clients: dd, fio, flock, cat, Java file I/O.
 */
class FuseMountTest {
    @TempDir
    Path tmp;

    private BdevHarness harness;
    private FuseFrontendImpl fuse;
    private Path mnt;
    private final List<StackedBdev> stacked = new ArrayList<>();

    @BeforeEach
    void mount() throws Exception {
        assumeTrue(Shell.root() && Files.exists(Path.of("/dev/fuse")), "needs root and /dev/fuse");
        harness = new BdevHarness();
        harness.register(new MallocBdev("Malloc0", UUID.randomUUID(), 512, 131072));
        mnt = tmp.resolve("mnt");
        fuse = new FuseFrontendImpl(harness.registry(), null, new TestConfig(mnt.toString()));
        assertThat(fuse.status().state()).isEqualTo("mounted");
    }

    @AfterEach
    void unmount() throws Exception {
        if (fuse != null) {
            fuse.deactivate();
        }
        boolean left = mnt != null && mounted(mnt);
        if (left) {
            Shell.run("umount -l " + mnt);
        }
        assertThat(left).as("mounted after stop").isFalse();
        for (StackedBdev s : stacked) {
            s.stop();
        }
        if (harness != null) {
            harness.close();
        }
    }

    static boolean mounted(Path p) throws IOException {
        return !MountTable.at(MountTable.read(), p).isEmpty();
    }

    private StackedBdev.Registrar registrar() {
        return device -> {
            harness.register(device);
            return () -> harness.unregister(device);
        };
    }

    private DelayBdev delay(String name, String base, long readUs, long writeUs) {
        DelayBdev d = new DelayBdev(name, UUID.randomUUID(), base,
                new DelayBdev.Latencies(readUs, readUs, writeUs, writeUs, 0), harness.registry(), registrar());
        d.start();
        stacked.add(d);
        return d;
    }

    @Test
    void layoutAndStatusFilesReadWithCat() throws Exception {
        assertThat(Shell.ok("ls " + mnt)).isEqualTo("dev\nproc\nsys\n");
        assertThat(Shell.ok("ls -l " + mnt + "/dev")).contains("-rw-rw---- 1 root disk 67108864").contains("Malloc0");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Malloc0/size")).isEqualTo("131072\n");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Malloc0/queue/logical_block_size")).isEqualTo("512\n");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Malloc0/ro")).isEqualTo("0\n");
        assertThat(Shell.ok("cat " + mnt + "/sys/fuse/mount_point")).isEqualTo(mnt + "\n");
        assertThat(Shell.ok("cat " + mnt + "/proc/bdevs")).contains("Malloc0").contains("malloc");
        assertThat(Shell.ok("cat " + mnt + "/proc/diskstats")).matches("(?s)\\s+0\\s+0 Malloc0( +\\d+){17}\n");
        assertThat(Shell.run("echo 1 > " + mnt + "/sys/block/Malloc0/ro").exit()).isNotZero();
        assertThat(Shell.run("cat " + mnt + "/sys/block/Nope/size").exit()).isNotZero();
        assertThat(Shell.run("touch " + mnt + "/dev/new").output()).contains("Operation not permitted");
    }

    @Test
    void dashboardTableListsTheFiles() throws Exception {
        Shell.ok("dd if=" + mnt + "/dev/Malloc0 of=/dev/null bs=4k count=4 status=none");
        io.karst.web.api.DashboardTable t = new FilesOnDashboard(fuse).table();
        assertThat(t.title()).contains(mnt.toString()).contains("mounted");
        assertThat(t.rows()).singleElement().satisfies(row -> {
            assertThat(row.get(0)).isEqualTo("dev/Malloc0");
            assertThat(((Number) row.get(1)).longValue()).isEqualTo(64L << 20);
        });
    }

    @Test
    void statusFileProvidersAddFilesAndDirectories() throws Exception {
        StatusFileProvider drbd = new StatusFileProvider() {
            public String tree() {
                return PROC;
            }

            public List<String> files() {
                return List.of("drbd");
            }

            public String read(String path) {
                return "version: 9.2 (api:2/proto:86-122)\n";
            }
        };
        StatusFileProvider role = new StatusFileProvider() {
            public String tree() {
                return SYS;
            }

            public List<String> files() {
                return List.of("block/r0/role");
            }

            public String read(String path) {
                return "Secondary\n";
            }
        };
        fuse.addStatusFileProvider(drbd, Map.of());
        fuse.addStatusFileProvider(role, Map.of());
        assertThat(Shell.ok("cat " + mnt + "/proc/drbd")).startsWith("version: 9.2");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/r0/role")).isEqualTo("Secondary\n");
        assertThat(Shell.ok("ls " + mnt + "/sys/block")).isEqualTo("Malloc0\nr0\n");
        fuse.removeStatusFileProvider(drbd);
        Thread.sleep(1100); // the kernel's entry cache (attr.timeout.ms)
        assertThat(Shell.run("cat " + mnt + "/proc/drbd").exit()).isNotZero();
    }

    @Test
    void dataWrittenWithDdReadsBackAndReachesTheBdev() throws Exception {
        Path src = tmp.resolve("src");
        Shell.ok("head -c 8388608 /dev/urandom > " + src);
        Shell.ok("dd if=" + src + " of=" + mnt + "/dev/Malloc0 bs=1M seek=3 oflag=direct conv=fsync status=none");
        // read back unaligned too (cat, tail: byte offsets no block boundary)
        Shell.ok("cmp <(dd if=" + mnt + "/dev/Malloc0 bs=1M skip=3 count=8 status=none) " + src);
        Shell.ok("cmp <(tail -c +3146753 " + mnt + "/dev/Malloc0 | head -c 1000) <(tail -c +1025 " + src
                + " | head -c 1000)");
        Bdev bdev = harness.registry().find("Malloc0").orElseThrow();
        assertThat(bdev.statistics().of(IoType.WRITE).bytes()).isEqualTo(8L << 20);
        assertThat(bdev.statistics().of(IoType.FLUSH).ops()).as("fsync reaches the bdev as FLUSH").isPositive();
        // beyond the end: no space
        assertThat(Shell.run("dd if=/dev/zero of=" + mnt + "/dev/Malloc0 bs=512 seek=131072 count=1 status=none")
                .output()).contains("No space left on device");
        // O_TRUNC leaves a device alone, as for block devices; truncate(2) to another size is refused
        Shell.ok("dd if=/dev/zero of=" + mnt + "/dev/Malloc0 bs=512 count=1 status=none");
        assertThat(Files.size(mnt.resolve("dev/Malloc0"))).isEqualTo(64L << 20);
        assertThat(Shell.run("truncate -s 1M " + mnt + "/dev/Malloc0").exit()).isNotZero();
    }

    @Test
    void partialBlockWritesFromManyThreadsAllLand() throws Exception {
        // 4 KiB blocks; 64 writers each write 100-byte records into the same 8 blocks at once
        harness.register(new MallocBdev("Ram4k", UUID.randomUUID(), 4096, 256));
        Path file = mnt.resolve("dev/Ram4k");
        List<Thread> threads = new ArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        for (int t = 0; t < 64; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 5; i++) {
                        ByteBuffer rec = ByteBuffer.allocate(100);
                        while (rec.hasRemaining()) {
                            rec.put((byte) (id + 1));
                        }
                        rec.flip();
                        ch.write(rec, 100L * (id * 5 + i) + 7);
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).hasValue(0);
        byte[] all = Files.readAllBytes(file);
        for (int id = 0; id < 64; id++) {
            for (int i = 0; i < 500; i++) {
                assertThat(all[7 + 500 * id + i]).as("byte %d of writer %d", i, id).isEqualTo((byte) (id + 1));
            }
        }
        assertThat(all[0]).isZero();
        assertThat(all[7 + 500 * 64]).isZero();
        // and a byte-sized write through the shell
        Shell.ok("printf abc | dd of=" + file + " bs=1 seek=5000 conv=notrunc status=none");
        assertThat(Shell.ok("dd if=" + file + " bs=1 skip=5000 count=3 status=none")).isEqualTo("abc");
    }

    @Test
    void fioVerifiesWithManyRequestsInFlightOnOneFile() throws Exception {
        delay("Delay0", "Malloc0", 300, 300);
        Path file = mnt.resolve("dev/Delay0");
        for (String engine : new String[] {"libaio", "psync"}) {
            Shell.ok("fio --name=verify --filename=" + file + " --ioengine=" + engine + " --direct=1 --rw=randwrite"
                    + " --bs=4k --iodepth=32 --numjobs=4 --size=8m --offset_increment=8m --verify=crc32c --verify_state_save=0"
                    + " --verify_fatal=1 --do_verify=1 --group_reporting");
        }
        FuseFrontendImplTestAccess.assertMaxInFlightAtLeast(fuse, "Delay0", 16);
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Delay0/fuse/inflight_max").trim()).matches("\\d+");
    }

    @Test
    void writeOpenOfAnExclusivelyClaimedBdevIsBusyAndReadOpenWorks() throws Exception {
        PassthruBdev pt = new PassthruBdev("Pt0", UUID.randomUUID(), "Malloc0", harness.registry(), registrar());
        pt.start();
        stacked.add(pt);
        Path file = mnt.resolve("dev/Malloc0");
        assertThat(Shell.run("dd if=/dev/zero of=" + file + " bs=512 count=1 status=none").output())
                .contains("Device or resource busy");
        Shell.ok("dd if=" + file + " of=/dev/null bs=4k count=4 status=none");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Malloc0/claim")).startsWith("exclusive_write");
        // and the other way round: while a client has the file open for writing, nobody claims the bdev
        pt.stop();
        stacked.remove(pt);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            assertThat(harness.registry().find("Malloc0").orElseThrow().holders())
                    .anyMatch(h -> h.holder().equals(Export.holderName("Malloc0")) && h.writable());
            PassthruBdev late = new PassthruBdev("Pt1", UUID.randomUUID(), "Malloc0", harness.registry(),
                    registrar());
            late.start();
            stacked.add(late);
            assertThat(harness.registry().find("Pt1")).as("passthru cannot claim a bdev open for writing").isEmpty();
        }
    }

    @Test
    void aResizeShowsInTheOpenFileAtOnce() throws Exception {
        MallocBdev ram = new MallocBdev("Grow0", UUID.randomUUID(), 512, 2048);
        harness.register(ram);
        Path file = mnt.resolve("dev/Grow0");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThat(ch.size()).isEqualTo(1 << 20);
            ram.resize(4096);
            assertThat(Files.size(file)).isEqualTo(2 << 20);
            ByteBuffer block = ByteBuffer.allocate(512);
            assertThat(ch.write(block, (2 << 20) - 512)).isEqualTo(512);
        }
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Grow0/size")).isEqualTo("4096\n");
    }

    @Test
    void readOnlyBdevIsNotWritable() throws Exception {
        MallocBdev ram = new MallocBdev("Ro0", UUID.randomUUID(), 4096, 1024);
        BdevProperties ro = ram.properties().toBuilder().readOnly(true).build();
        harness.register(new BlockDevice() {
            public BdevProperties properties() {
                return ro;
            }

            public DeviceChannel openChannel() {
                return ram.openChannel();
            }
        });
        Path file = mnt.resolve("dev/Ro0");
        assertThat(Shell.ok("ls -l " + file)).startsWith("-r--r-----");
        assertThat(Shell.run("dd if=/dev/zero of=" + file + " bs=4k count=1 conv=notrunc status=none").output())
                .contains("Read-only file system");
        try {
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            throw new AssertionError("opened a read-only bdev's file for writing");
        } catch (FileSystemException e) {
            assertThat(e.getMessage()).contains("Read-only file system");
        }
        Shell.ok("dd if=" + file + " of=/dev/null bs=4k status=none");
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Ro0/ro")).isEqualTo("1\n");
    }

    @Test
    void opensAndClosesAreCountedUnderConcurrency() throws Exception {
        Path file = mnt.resolve("dev/Malloc0");
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                for (int i = 0; i < 100; i++) {
                    boolean write = ThreadLocalRandom.current().nextBoolean();
                    try (FileChannel ch = write ? FileChannel.open(file, StandardOpenOption.READ,
                            StandardOpenOption.WRITE) : FileChannel.open(file, StandardOpenOption.READ)) {
                        buf.clear();
                        ch.read(buf, 4096L * ThreadLocalRandom.current().nextInt(1000));
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).hasValue(0);
        // releases are asynchronous to close(2): wait for the kernel's last RELEASE
        long deadline = System.currentTimeMillis() + 5000;
        while (!harness.registry().find("Malloc0").orElseThrow().holders().isEmpty()
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(harness.registry().find("Malloc0").orElseThrow().holders()).isEmpty();
        assertThat(fuse.files()).singleElement().satisfies(f -> {
            assertThat(f.readOpens()).isZero();
            assertThat(f.writeOpens()).isZero();
        });
        assertThat(Shell.ok("cat " + mnt + "/sys/block/Malloc0/fuse/opens_write")).isEqualTo("0\n");
    }

    @Test
    void flockExcludesOtherClients() throws Exception {
        Path file = mnt.resolve("dev/Malloc0");
        // the lock is on the open file of a process that execs sleep: killing it releases the lock
        Process holder = new ProcessBuilder("bash", "-c", "exec 9<" + file + " && flock 9 && exec sleep 60").start();
        try {
            long deadline = System.currentTimeMillis() + 5000;
            int exit = 0;
            while (System.currentTimeMillis() < deadline) {
                exit = Shell.run("flock -n " + file + " true").exit();
                if (exit != 0) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(exit).as("a second client cannot take the lock").isEqualTo(1);
        } finally {
            holder.destroyForcibly().waitFor();
        }
        Shell.ok("flock -n " + file + " true");
    }

    @Test
    void unmountsWithAClientHoldingTheFileAndAfterAClientIsKilled() throws Exception {
        delay("Delay1", "Malloc0", 200, 200);
        Process fio = new ProcessBuilder("fio", "--name=k", "--filename=" + mnt.resolve("dev/Delay1"),
                "--ioengine=libaio", "--direct=1", "--rw=randrw", "--bs=4k", "--iodepth=32", "--runtime=60",
                "--time_based").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + mnt.resolve("dev/Malloc0") + "; sleep 60")
                .start();
        Thread.sleep(1500);
        fio.destroyForcibly().waitFor();
        fuse.deactivate();
        fuse = null;
        assertThat(mounted(mnt)).isFalse();
        holder.destroyForcibly().waitFor();
        assertThat(harness.registry().find("Malloc0").orElseThrow().holders())
                .noneMatch(h -> h.holder().startsWith("fuse"));
    }

    @Test
    void staleMountOfADeadDaemonIsCleanedOnStart() throws Exception {
        fuse.deactivate();
        fuse = null;
        Path stale = tmp.resolve("stale");
        Files.createDirectories(stale);
        Native n = Native.load();
        // what a crashed JVM leaves: a mount whose /dev/fuse is closed
        FuseDevice dead = FuseDevice.open(n);
        dead.mount(stale, "karst", 0, 0, true);
        dead.close();
        assertThat(mounted(stale)).isTrue();
        mnt = stale; // unmounted after the test whatever happens
        assertThat(Shell.run("ls " + stale).output()).contains("Transport endpoint is not connected");
        fuse = new FuseFrontendImpl(harness.registry(), null, new TestConfig(stale.toString()));
        mnt = stale;
        assertThat(fuse.status().state()).isEqualTo("mounted");
        assertThat(MountTable.at(MountTable.read(), stale)).hasSize(1);
        assertThat(Shell.ok("ls " + stale + "/dev")).isEqualTo("Malloc0\n");
    }

    @Test
    void aLiveMountIsNotTakenOver() throws Exception {
        FuseFrontendImpl second = new FuseFrontendImpl(harness.registry(), null, new TestConfig(mnt.toString()));
        try {
            assertThat(second.status().state()).isEqualTo("failed");
            assertThat(second.status().detail()).contains("in use by a live fuse.karst");
            assertThat(Shell.ok("ls " + mnt + "/dev")).isEqualTo("Malloc0\n");
        } finally {
            second.deactivate();
        }
    }
}
