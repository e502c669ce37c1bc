package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.DeviceChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves that FLUSH reaches stable storage through a real fdatasync(2): strace, attached to this JVM, must see an
 * fdatasync of a descriptor of the bdev's file, returning 0, while the flush runs.
 */
class FlushSyscallTest {
    private static final Pattern FDATASYNC = Pattern.compile("fdatasync\\((\\d+)\\)\\s*=\\s*0");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = FileBdevConfig.Engine.class, names = {"URING", "THREADS"})
    void flushIsAnFdatasyncOfTheFile(FileBdevConfig.Engine engine) throws Exception {
        assumeTrue(Sys.has("strace"), "strace is not installed: cannot observe the fdatasync system call");
        assumeTrue(engine != FileBdevConfig.Engine.URING || TestShim.get().uringAvailable());
        Path file = dir.resolve("flush.img");
        FileBdev b = FileBdev.open(TestShim.config("Flush", file, 4096, 1 << 20, engine), TestShim.get());
        Path trace = dir.resolve("strace.out");
        Process strace = null;
        Set<Integer> fds;
        try {
            DeviceChannel ch = b.openChannel();
            assertThat(TestIo.write(0, 4, 4096, TestIo.fill(TestIo.aligned(4 * 4096), 1)).run(ch))
                    .isEqualTo(IoStatus.SUCCESS);
            fds = descriptorsOf(file);
            assertThat(fds).isNotEmpty();

            strace = new ProcessBuilder("strace", "-f", "-e", "trace=fdatasync", "-o", trace.toString(), "-p",
                    Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("strace.log").toFile()).start();
            awaitAttached(strace, dir.resolve("strace.log"));

            assertThat(TestIo.of(IoType.FLUSH, 0, 0, 4096).run(ch)).isEqualTo(IoStatus.SUCCESS);
            ch.close();
        } finally {
            if (strace != null) {
                strace.destroy(); // SIGTERM: strace detaches and flushes its output
                strace.waitFor(10, TimeUnit.SECONDS);
            }
            b.close();
        }
        String out = Files.readString(trace, StandardCharsets.UTF_8);
        Set<Integer> synced = new HashSet<>();
        Matcher m = FDATASYNC.matcher(out);
        while (m.find()) {
            synced.add(Integer.parseInt(m.group(1)));
        }
        assertThat(synced).as("descriptors fdatasync'ed during the flush (strace output:%n%s)", out).isNotEmpty();
        assertThat(synced).as("an fdatasync of the bdev's own file").containsAnyElementsOf(fds);
    }

    /** The descriptors of this process that are open on {@code file}. */
    private static Set<Integer> descriptorsOf(Path file) throws IOException {
        Set<Integer> fds = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readSymbolicLink(p).equals(file)) {
                        fds.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        }
        return fds;
    }

    private static void awaitAttached(Process strace, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains("attached")) {
                Thread.sleep(200);
                return;
            }
            if (!strace.isAlive()) {
                throw new AssertionError("strace could not attach to this JVM: " + text.trim());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("strace did not attach within 20 s");
    }
}
