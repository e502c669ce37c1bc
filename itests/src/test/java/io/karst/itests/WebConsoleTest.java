package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.apache.karaf.features.FeaturesService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The optional web features in the real distribution, installed offline from its system/ folder: the dashboard
 * (karst-web) with its JSON API and Prometheus metrics behind the JAAS login, Jolokia (karst-jolokia) behind the
 * same login, and the dashboard page itself in headless Chromium, showing a bdev this test creates and its live
 * IOPS while {@code bdev:perf} drives it.
 *
 * <p>Users: {@code admin} with a random password and the admin group, as {@code bin/karst} creates it, and
 * {@code outsider}, who can log in but has none of the dashboard's roles.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebConsoleTest extends KarstContainerTestSupport {
    private static final String PASSWORD_PROPERTY = "karst.itest.admin.password";
    private static final String BDEV = "Web0";

    @Inject
    private FeaturesService features;

    @Inject
    private ConfigurationAdmin configAdmin;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String base;
    private String adminLogin;

    @Override
    protected Option[] extraOptions() {
        try {
            byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            return new Option[] {
                editConfigurationFilePut("etc/system.properties", "karst.http.port", Integer.toString(freePort())),
                editConfigurationFilePut("etc/users.properties", "admin", password + ",_g_:admingroup"),
                editConfigurationFilePut("etc/users.properties", "outsider", "outsider,ssh"),
                // only the test knows it: inside the container it reads it from here
                editConfigurationFilePut("etc/system.properties", PASSWORD_PROPERTY, password),
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Before
    public void installWebFeatures() throws Exception {
        base = "http://127.0.0.1:" + System.getProperty("karst.http.port");
        adminLogin = basic("admin", System.getProperty(PASSWORD_PROPERTY));
        if (!features.isInstalled(features.getFeature("karst-web"))) {
            executeCommand("feature:install karst-web karst-jolokia", Duration.ofMinutes(2));
        }
        awaitCommand("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(60));
        if (!executeCommand("bdev:list").contains(BDEV)) {
            executeCommand("bdev:create malloc " + BDEV + " 64M 4096");
        }
        // the whiteboard registers the servlets a little after the bundle started
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (get("/karst/api/bdevs", adminLogin).statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                fail("the dashboard API does not answer at " + base);
            }
            Thread.sleep(250);
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void dashboardAndApiNeedTheLoginOfTheKarafRealm() throws Exception {
        for (String path : List.of("/karst/", "/karst/api/dashboard", "/karst/metrics")) {
            HttpResponse<String> none = get(path, null);
            assertEquals(path + " without login", 401, none.statusCode());
            assertTrue(path, none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            assertEquals(path + " wrong password", 401, get(path, basic("admin", "wrong")).statusCode());
            assertEquals(path + " login without a dashboard role", 403,
                    get(path, basic("outsider", "outsider")).statusCode());
            assertEquals(path + " admin", 200, get(path, adminLogin).statusCode());
        }
        HttpResponse<String> page = get("/karst/", adminLogin);
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
        assertEquals(404, get("/karst/nothing-here", adminLogin).statusCode());
    }

    @Test
    public void apiListsTheBdevsWithGeometryAndHolders() throws Exception {
        Map<String, Object> doc = MiniJson.object(get("/karst/api/dashboard", adminLogin).body());
        List<?> bdevs = (List<?>) doc.get("bdevs");
        Object web0 = bdevs.stream().filter(b -> BDEV.equals(MiniJson.at(b, "name"))).findFirst().orElseThrow();
        assertEquals("malloc", MiniJson.at(web0, "module"));
        assertEquals(4096.0, MiniJson.at(web0, "blockSize"));
        assertEquals(64.0 * 1024 * 1024, MiniJson.at(web0, "sizeBytes"));
        assertEquals(List.of(), MiniJson.at(web0, "holders"));
        assertEquals("frontends", MiniJson.at(doc, "sections", 0, "id"));
        // the frontends' tables of connections (the NBD server's, the iSCSI target's): there are none here
        List<?> frontendTables = (List<?>) MiniJson.at(doc, "sections", 0, "tables");
        assertTrue(frontendTables.stream().anyMatch(t -> String.valueOf(MiniJson.at(t, "title")).startsWith("NBD connections")));
        assertTrue(frontendTables.stream().anyMatch(t -> String.valueOf(MiniJson.at(t, "title")).startsWith("iSCSI connections")));
        for (Object table : frontendTables) {
            assertEquals(List.of(), MiniJson.at(table, "rows"));
        }
        assertEquals("replication", MiniJson.at(doc, "sections", 1, "id"));
    }

    @Test
    public void metricsArePrometheusTextOfTheBdevStatistics() throws Exception {
        executeCommand("bdev:perf -s -w randrw -q 4 -o 4K -t 0.3 " + BDEV);
        HttpResponse<String> r = get("/karst/metrics", adminLogin);
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("Content-Type").orElse("").toLowerCase(java.util.Locale.ROOT));
        String text = r.body();
        assertTrue(text, text.contains("# TYPE karst_bdev_io_operations_total counter\n"));
        assertTrue(text, text.contains("# TYPE karst_bdev_io_latency_seconds histogram\n"));
        assertTrue(text, text.contains("karst_bdev_size_bytes{bdev=\"" + BDEV + "\"} 67108864\n"));
        assertTrue(text, text.contains("karst_bdev_block_size_bytes{bdev=\"" + BDEV + "\"} 4096\n"));
        assertTrue(text, text.matches("(?s).*\nkarst_bdev_io_operations_total\\{bdev=\"" + BDEV
                + "\",type=\"read\"} [1-9][0-9]*\n.*"));
        assertTrue(text, text.matches("(?s).*\nkarst_bdev_io_latency_seconds_bucket\\{bdev=\"" + BDEV
                + "\",type=\"write\",le=\"\\+Inf\"} [1-9][0-9]*\n.*"));
        for (String line : text.split("\n")) {
            assertTrue("sample or comment line: " + line, line.startsWith("# HELP ") || line.startsWith("# TYPE ")
                    || line.matches("[a-z_]+\\{[^}]*} [-+0-9.eE]+|[a-z_]+\\{[^}]*} \\+Inf"));
        }
    }

    /**
     * {@code metrics.authentication = false} serves the metrics without a login, and only them; the change
     * applies at once, and the dashboard's servlets stay registered across it (a changed service property of the
     * servlet context would make the whiteboard take them down).
     */
    @Test
    public void metricsWithoutLoginWhenConfiguredAndConfigurationChangesKeepTheServlets() throws Exception {
        Map<String, Object> contextBefore = contextServiceProperties();
        Configuration config = configAdmin.getConfiguration("io.karst.web", "?");
        Dictionary<String, Object> props = config.getProperties() == null ? new Hashtable<>()
                : config.getProperties();
        try {
            props.put("metrics.authentication", "false");
            config.update(props);
            awaitStatus("/karst/metrics", null, 200);
            assertEquals(401, get("/karst/api/dashboard", null).statusCode());
            assertEquals(200, get("/karst/api/dashboard", adminLogin).statusCode());
            assertEquals("the servlet context's service is untouched by configuration changes", contextBefore,
                    contextServiceProperties());
        } finally {
            props.put("metrics.authentication", "true");
            config.update(props);
        }
        awaitStatus("/karst/metrics", null, 401);
        assertEquals(200, get("/karst/", adminLogin).statusCode());
    }

    private Map<String, Object> contextServiceProperties() throws Exception {
        ServiceReference<?>[] refs = bundleContext.getServiceReferences((String) null,
                "(&(objectClass=org.osgi.service.http.context.ServletContextHelper)"
                        + "(osgi.http.whiteboard.context.name=io.karst.web))");
        assertNotNull("the dashboard's servlet context is registered", refs);
        assertEquals(1, refs.length);
        Map<String, Object> props = new TreeMap<>();
        for (String key : refs[0].getPropertyKeys()) {
            Object v = refs[0].getProperty(key);
            props.put(key, v instanceof Object[] array ? List.of(array) : v);
        }
        return props;
    }

    private void awaitStatus(String path, String authorization, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int last = 0;
        while (System.nanoTime() < deadline) {
            last = get(path, authorization).statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(200);
        }
        fail(path + " answers " + last + ", not " + status);
    }

    @Test
    public void jolokiaNeedsTheLoginAndReadsKarstMBeans() throws Exception {
        assertEquals(401, get("/jolokia/version", null).statusCode());
        assertEquals(401, get("/jolokia/version", basic("admin", "wrong")).statusCode());
        HttpResponse<String> r = get("/jolokia/read/io.karst:type=bdev,name=Malloc0", adminLogin);
        assertEquals(r.body(), 200, r.statusCode());
        Map<String, Object> doc = MiniJson.object(r.body());
        assertEquals(r.body(), 200.0, doc.get("status"));
        assertEquals("Malloc0", MiniJson.at(doc, "value", "Name"));
        assertEquals("malloc", MiniJson.at(doc, "value", "Module"));
        Map<String, Object> search = MiniJson.object(get("/jolokia/search/io.karst:*", adminLogin).body());
        assertTrue(search.toString(), ((List<?>) search.get("value")).contains("io.karst:type=bdevs"));
    }

    /**
     * The page in a real browser: it loads, lists the bdev, says that frontends and replication are not
     * configured, and shows non-zero IOPS for the bdev while a load runs on it (the IOPS shown come from the
     * page's own polling of the API, so a page that stopped polling, or a rate computation that lost the load,
     * fails here).
     */
    @Test
    public void dashboardPageShowsTheBdevAndItsLiveIopsInChromium() throws Exception {
        String row = "document.querySelector('tr[data-bdev=\"" + BDEV + "\"]')";
        String iops = "(function(){var r=" + row + "; if(!r) return null;"
                + " return r.querySelector('td[data-field=\"iops-read\"]').textContent;})()";
        try (HeadlessChromium chromium = new HeadlessChromium(HeadlessChromium.find(), Duration.ofSeconds(30))) {
            chromium.extraHeaders(Map.of("Authorization", adminLogin));
            chromium.navigate(base + "/karst/");
            try {
                chromium.await(row + " !== null", Boolean.TRUE::equals, Duration.ofSeconds(20),
                        "the page lists bdev " + BDEV);
                assertEquals("64.0 MiB", chromium.evaluate(row + ".querySelector('td[data-field=\"size\"]')"
                        + ".textContent"));
                assertEquals("none active", chromium.evaluate(
                        "document.querySelector('section[data-section=\"frontends\"] .none').textContent"));
                assertEquals("none configured", chromium.evaluate(
                        "document.querySelector('section[data-section=\"replication\"] .none').textContent"));
                assertTrue((Boolean) chromium.evaluate("document.getElementById('status').textContent"
                        + ".startsWith('live')"));
                // idle: known rates of zero after the first interval
                chromium.await(iops, "0"::equals, Duration.ofSeconds(10), "idle bdev shows 0 IOPS");

                CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> {
                    try {
                        return executeCommand("bdev:perf -s -w randread -q 8 -o 4K -t 8 " + BDEV,
                                Duration.ofSeconds(60));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Object shown = chromium.await(iops, v -> v instanceof String s && digits(s) > 0,
                        Duration.ofSeconds(7), "the page shows live IOPS of " + BDEV + " while bdev:perf runs");
                String perf = load.get(60, TimeUnit.SECONDS);
                assertTrue(perf, perf.contains("IOPS"));
                // and the live chart of the selected bdev has drawn the read series
                chromium.evaluate(row + ".click()");
                assertNotNull(chromium.await("document.querySelector('#chart-iops path[data-series=\"read\"]')"
                        + " !== null", Boolean.TRUE::equals, Duration.ofSeconds(5), "IOPS chart"));
                assertTrue("shown IOPS " + shown + " are plausible", digits((String) shown) > 100);
                assertEquals("page errors", List.of(), chromium.consoleErrors());
            } catch (AssertionError | RuntimeException e) {
                Path shot = Path.of(System.getProperty("karaf.data"), "dashboard-failure.png");
                chromium.screenshot(shot);
                throw new AssertionError(e.getMessage() + " (screenshot: " + shot + ")", e);
            }
        }
    }

    private static long digits(String shown) {
        String d = shown.replaceAll("[^0-9]", "");
        return d.isEmpty() ? 0 : Long.parseLong(d);
    }
}
