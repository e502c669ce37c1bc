package io.karst.bdev.file.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small helpers around system tools for the tests that need them. */
final class Sys {
    private Sys() {
    }

    static boolean root() {
        try {
            return "0".equals(run("id", "-u").trim());
        } catch (IOException e) {
            return false;
        }
    }

    static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    /** Runs a command; returns its output, or throws with its output when it fails. */
    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.trim());
        }
        return out;
    }

    /** Mounts a tmpfs of {@code size} on {@code dir}, or skips the test when this machine does not allow it. */
    static void mountTmpfs(Path dir, String size) {
        org.junit.jupiter.api.Assumptions.assumeTrue(root(), "needs root to mount a tmpfs");
        try {
            run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "cannot mount a tmpfs here: " + e.getMessage());
        }
    }

    /** Bytes the file system allocated for a file (st_blocks * 512). */
    static long allocated(Path file) throws IOException {
        return Long.parseLong(run("stat", "-c", "%b", file.toString()).trim()) * 512;
    }
}
