package io.karst.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Karst instance run through the real {@code bin/karst} script of an unpacked distribution,
 * as a user or an operator script would: {@code start}, {@code shell}, {@code stop}.
 *
 * <p>The instance lives in its own directory ({@code bin/karst --base DIR}) with ports chosen
 * when it is created, so tests never touch a Karst instance on the default ports. The Karaf JVM
 * is killed by PID when {@link #close()} runs or the test JVM exits, whatever happened before.
 *
 * <pre>
 * Path home = KarstInstance.unpack(Path.of("target/e2e"));
 * try (KarstInstance karst = KarstInstance.create(home, Path.of("target/e2e/a"), "a")) {
 *     karst.start();
 *     String out = karst.shell("bdev:list");
 *     karst.stop();
 * }
 * </pre>
 */
public final class KarstInstance implements AutoCloseable {

    /** What one bin/karst invocation did. */
    public record Result(List<String> command, int exitCode, String output) {
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    public static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private final Path home;
    private final Path base;
    private final String name;
    private final int sshPort;
    private final int rmiRegistryPort;
    private final int rmiServerPort;
    /** The instance's port offset: puts its NBD (and iSCSI) port away from the defaults and other instances. */
    private final int portOffset;
    private final Thread killer;

    private KarstInstance(Path home, Path base, String name, int sshPort, int rmiRegistryPort, int rmiServerPort,
                          int nbdPort) {
        this.portOffset = nbdPort - 10809;
        this.home = home;
        this.base = base;
        this.name = name;
        this.sshPort = sshPort;
        this.rmiRegistryPort = rmiRegistryPort;
        this.rmiServerPort = rmiServerPort;
        this.killer = new Thread(this::kill, "kill Karst instance " + name);
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * Unpacks the distribution under test ({@code -Dkarst.assembly}) into a fresh
     * {@code parent/}, and returns its home (the folder with bin/).
     */
    public static Path unpack(Path parent) throws IOException, InterruptedException {
        Path tarGz = Path.of(System.getProperty("karst.assembly", "")).toAbsolutePath();
        if (!Files.isRegularFile(tarGz)) {
            throw new IllegalStateException("no distribution at " + tarGz + "; build it first: mvn -B install -DskipTests");
        }
        deleteRecursively(parent);
        Files.createDirectories(parent);
        Process tar = new ProcessBuilder("tar", "xzf", tarGz.toString(), "-C", parent.toString())
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            throw new IOException("tar xzf " + tarGz + " failed: " + out);
        }
        try (Stream<Path> dirs = Files.list(parent)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/karst"))).findFirst()
                    .orElseThrow(() -> new IOException("no bin/karst in " + parent))
                    .toAbsolutePath();
        }
    }

    /** A new instance (not yet started) in {@code base}, on free ports; an old {@code base} is deleted. */
    public static KarstInstance create(Path home, Path base, String name) throws IOException {
        deleteRecursively(base);
        return new KarstInstance(home, base.toAbsolutePath(), name, KarstContainerTestSupport.freePort(),
                KarstContainerTestSupport.freePort(), KarstContainerTestSupport.freePort(),
                KarstContainerTestSupport.freePort());
    }

    public Path home() {
        return home;
    }

    public Path base() {
        return base;
    }

    public Path etc() {
        return base.resolve("etc");
    }

    public String name() {
        return name;
    }

    public int sshPort() {
        return sshPort;
    }

    /** The NBD server's port (10809 plus the instance's port offset). */
    public int nbdPort() {
        return 10809 + portOffset;
    }

    public String jmxUrl() {
        return "service:jmx:rmi://127.0.0.1:" + rmiServerPort + "/jndi/rmi://127.0.0.1:" + rmiRegistryPort
                + "/karaf-" + name;
    }

    /** The admin password that bin/karst generated on the first start. */
    public String adminPassword() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(etc().resolve("karst-admin.properties"))) {
            p.load(in);
        }
        return p.getProperty("password");
    }

    /**
     * {@code bin/karst --base <base> [settings] <args>}. The instance's name and ports are given
     * only while the instance directory does not exist yet: bin/karst stores them in its
     * etc/system.properties when it creates it, and every later call relies on that.
     */
    public Result karst(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/karst").toString(),
                "--base", base.toString()));
        if (!Files.exists(etc().resolve("system.properties"))) {
            command.addAll(List.of("--name", name,
                    "--ssh-port", Integer.toString(sshPort),
                    "--rmi-registry-port", Integer.toString(rmiRegistryPort),
                    "--rmi-server-port", Integer.toString(rmiServerPort),
                    "--port-offset", Integer.toString(portOffset)));
        }
        command.addAll(List.of(args));
        return run(command, timeout);
    }

    private Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KARST_") || k.startsWith("KARAF_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process process = pb.start();
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                process.getInputStream().transferTo(output);
            } catch (IOException e) {
                // the process is gone
            }
        });
        reader.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                    + output.toString(StandardCharsets.UTF_8));
        }
        reader.join(10000);
        return new Result(command, process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    /** {@code bin/karst start}: returns once the admin can log in over SSH. */
    public Result start() throws IOException, InterruptedException {
        return karst(START_TIMEOUT, "start").requireSuccess();
    }

    public Result stop() throws IOException, InterruptedException {
        return karst(COMMAND_TIMEOUT, "stop").requireSuccess();
    }

    public Result status() throws IOException, InterruptedException {
        return karst(COMMAND_TIMEOUT, "status");
    }

    /** Runs Karaf shell commands as admin over SSH; fails unless they succeed; returns their output. */
    public String shell(String commands) throws IOException, InterruptedException {
        return karst(COMMAND_TIMEOUT, "shell", commands).requireSuccess().output();
    }

    /** Runs a shell command until its output satisfies a condition (bundles may still be starting). */
    public String awaitShell(String commands, java.util.function.Predicate<String> condition, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Result last;
        do {
            last = karst(COMMAND_TIMEOUT, "shell", commands);
            if (last.exitCode() == 0 && condition.test(last.output())) {
                return last.output();
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("'" + commands + "' did not give the expected output within " + timeout
                + "; last (exit " + last.exitCode() + "):\n" + last.output());
    }

    /** The PID of the instance's Karaf JVM, if it runs. */
    public Optional<ProcessHandle> process() {
        Path pidFile = base.resolve("karaf.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String pid = Files.readString(pidFile).trim();
            if (pid.isEmpty()) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().map(c -> c.contains("karaf.base=" + base)).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Kills the Karaf JVM of this instance, if any, without waiting for a clean stop. */
    public void kill() {
        process().ifPresent(p -> {
            p.destroyForcibly();
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the caller's assertions, if it matters
            }
        });
    }

    /** Stops the instance (killing it if a clean stop fails). */
    @Override
    public void close() {
        try {
            if (process().isPresent()) {
                karst(Duration.ofSeconds(60), "stop");
            }
        } catch (Exception | AssertionError e) {
            // fall through to kill
        } finally {
            kill();
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Environment-free description, for messages. */
    @Override
    public String toString() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("base", base);
        m.put("ssh", sshPort);
        m.put("jmx", jmxUrl());
        return "Karst instance " + m;
    }
}
