package io.karst.itests;

import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import javax.inject.Inject;
import javax.security.auth.Subject;

import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.osgi.framework.BundleContext;

/**
 * Base class of the Pax Exam tests: boots the real Karst distribution (the tar.gz that
 * {@code karaf-assembly} built) in a separate JVM, and runs Karaf shell commands inside it.
 *
 * <p>Subclasses are annotated {@code @RunWith(PaxExam.class)} and
 * {@code @ExamReactorStrategy(PerClass.class)} (one boot per test class; keep the number of
 * classes small), inject what they need ({@code @Inject BdevRegistry registry;} ...) and call
 * {@link #executeCommand(String)}. {@link #extraOptions()} adds Pax Exam options, e.g.
 * {@code editConfigurationFilePut("etc/io.karst.bdev.null-Null0.cfg", "name", "Null0")}.
 *
 * <p>The container resolves Maven artifacts offline, from its system/ folder and the local
 * Maven repository of this build; its SSH and JMX ports are free ports chosen at boot, so a
 * Karst instance on the default ports may run beside it. Set {@code -Dkarst.itest.keep=true} to
 * keep the unpacked container under {@code target/exam/} for inspection.
 */
public abstract class KarstContainerTestSupport {

    protected static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected SessionFactory sessionFactory;

    @Configuration
    public Option[] config() throws IOException {
        String karafVersion = requiredProperty("karaf.version");
        File assembly = new File(requiredProperty("karst.assembly"));
        if (!assembly.isFile()) {
            throw new IllegalStateException("no distribution at " + assembly + "; build it first: mvn -B install -DskipTests");
        }
        String localRepository = System.getProperty("maven.repo.local",
                System.getProperty("user.home") + "/.m2/repository");
        File buildDir = new File(System.getProperty("project.build.directory", "target"));

        List<Option> options = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(assembly.toURI().toString())
                        .karafVersion(karafVersion)
                        .name("Karst")
                        .unpackDirectory(new File(buildDir, "exam"))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole(),
                logLevel(LogLevel.INFO),
                systemTimeout(TimeUnit.MINUTES.toMillis(3)),
                // ports away from a Karst instance on this host (Pax Exam moves the JMX ports itself)
                editConfigurationFilePut("etc/system.properties", "karst.ssh.port", Integer.toString(freePort())),
                editConfigurationFilePut("etc/system.properties", "karst.nbd.port", Integer.toString(freePort())),
                // a JSON-RPC socket of its own (the distribution's default is /var/tmp/karst.sock)
                editConfigurationFilePut("etc/system.properties", "karst.jsonrpc.socket",
                        privateSocketPath(buildDir).toString()),
                // offline: system/ of the distribution plus the local repository of this build
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                        "org.ops4j.pax.url.mvn.localRepository", localRepository),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg",
                        "org.ops4j.pax.url.mvn.repositories", ""),
                // what bin/karaf passes to Java 17 and Pax Exam 4.14 does not
                vmOptions(jpmsOptions(karafVersion)),
                vmOptions("-Xmx512m", "-XX:MaxDirectMemorySize=2g")));
        if (Boolean.getBoolean("karst.itest.keep")) {
            options.add(keepRuntimeFolder());
        }
        options.addAll(List.of(extraOptions()));
        return options.toArray(Option[]::new);
    }

    /** Further Pax Exam options of a test class. */
    protected Option[] extraOptions() {
        return new Option[0];
    }

    static String[] jpmsOptions(String karafVersion) {
        return new String[] {
            "--add-reads=java.xml=java.logging",
            "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
            "--patch-module", "java.base=lib/endorsed/org.apache.karaf.specs.locator-" + karafVersion + ".jar",
            "--patch-module", "java.xml=lib/endorsed/org.apache.karaf.specs.java.xml-" + karafVersion + ".jar",
            "--add-opens", "java.base/java.security=ALL-UNNAMED",
            "--add-opens", "java.base/java.net=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
            "--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
            "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
            "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
            "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED",
            "-classpath", "lib/jdk9plus/*" + File.pathSeparator + "lib/boot/*",
        };
    }

    /**
     * A socket path in a new directory of its own, short enough for a Unix domain socket (107 bytes): under
     * {@code target/} if that is short, else under the system's temporary directory.
     */
    static Path privateSocketPath(File buildDir) throws IOException {
        Path parent = buildDir.toPath().toAbsolutePath().resolve("sockets");
        if (parent.toString().length() > 70) {
            parent = Path.of(System.getProperty("java.io.tmpdir"));
        }
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, "karst").resolve("karst.sock");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (run the tests through Maven)");
        }
        return value;
    }

    // ------------------------------------------------------------ shell commands in the container

    /**
     * Runs Karaf shell command(s) as the user admin (with the roles of the admin group) and
     * returns what they printed, followed by the printed form of a non-null result. A failing
     * command throws its exception.
     */
    protected String executeCommand(String command) throws Exception {
        return executeCommand(command, COMMAND_TIMEOUT);
    }

    protected String executeCommand(String command, Duration timeout) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal("admin"));
        for (String role : new String[] {"admin", "manager", "viewer", "systembundles", "ssh"}) {
            subject.getPrincipals().add(new RolePrincipal(role));
        }
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), out, out)) {
            Future<Object> result = executor.submit(() -> Subject.doAs(subject,
                    (PrivilegedExceptionAction<Object>) () -> session.execute(command)));
            Object value;
            try {
                value = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof java.security.PrivilegedActionException pae) {
                    cause = pae.getCause();
                }
                if (cause instanceof Exception ex) {
                    throw ex;
                }
                throw e;
            } catch (TimeoutException e) {
                result.cancel(true);
                throw new AssertionError("command did not finish within " + timeout + ": " + command
                        + "\noutput so far:\n" + bytes.toString(StandardCharsets.UTF_8), e);
            }
            if (value != null) {
                out.println(value);
            }
            out.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Runs a command until its output satisfies a condition; returns that output. */
    protected String awaitCommand(String command, Predicate<String> condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String output = "";
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                output = executeCommand(command);
                last = null;
                if (condition.test(output)) {
                    return output;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        AssertionError error = new AssertionError("'" + command + "' did not give the expected output within "
                + timeout + "; last output:\n" + output);
        if (last != null) {
            error.initCause(last);
        }
        throw error;
    }
}
