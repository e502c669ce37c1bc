package io.karst.fuse.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs a shell command line, returning its exit code and combined output. */
final class Shell {
    record Result(int exit, String output) {
    }

    private Shell() {
    }

    static Result run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String ok(String command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError("`" + command + "` exited with " + r.exit() + ":\n" + r.output());
        }
        return r.output();
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }
}
