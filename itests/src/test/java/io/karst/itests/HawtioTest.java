package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The Hawtio console (feature karst-hawtio) installs offline from system/, answers at /hawtio behind the JAAS
 * login, and shows Karst's MBeans: through its Jolokia, and in its JMX tree in headless Chromium after a login
 * through its own login page. Hawtio is big (a 16 MB web application and the war feature of pax-web), so only
 * {@code -Plong} runs this class (see itests/pom.xml).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HawtioTest extends KarstContainerTestSupport {
    private static final String PASSWORD_PROPERTY = "karst.itest.admin.password";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    protected Option[] extraOptions() {
        try {
            byte[] random = new byte[12];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            return new Option[] {
                editConfigurationFilePut("etc/system.properties", "karst.http.port", Integer.toString(freePort())),
                editConfigurationFilePut("etc/users.properties", "admin", password + ",_g_:admingroup"),
                editConfigurationFilePut("etc/system.properties", PASSWORD_PROPERTY, password),
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void hawtioShowsKarstMBeansBehindTheLogin() throws Exception {
        String password = System.getProperty(PASSWORD_PROPERTY);
        String base = "http://127.0.0.1:" + System.getProperty("karst.http.port") + "/hawtio";
        String login = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                .getBytes(StandardCharsets.UTF_8));
        awaitCommand("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(60));
        executeCommand("feature:install karst-hawtio", Duration.ofMinutes(3));

        String search = base + "/jolokia/search/io.karst:*";
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        HttpResponse<String> r = null;
        while (System.nanoTime() < deadline) {
            try {
                r = get(search, login);
                if (r.statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // the web application is still starting
            }
            Thread.sleep(500);
        }
        assertTrue("Hawtio's Jolokia answers: " + (r == null ? "no answer" : r.statusCode() + " " + r.body()),
                r != null && r.statusCode() == 200);
        List<?> names = (List<?>) MiniJson.object(r.body()).get("value");
        assertTrue(r.body(), names.contains("io.karst:type=bdevs") && names.contains("io.karst:name=Malloc0,type=bdev"));
        // the operations too: Hawtio's JMX tree lists them (Jolokia's list) and runs them (exec)
        HttpResponse<String> list = get(base + "/jolokia/list/io.karst/type=bdevs", login);
        assertEquals(list.body(), 200, list.statusCode());
        Object ops = MiniJson.at(MiniJson.object(list.body()), "value", "op");
        assertTrue(list.body(), ops instanceof Map<?, ?> m && m.containsKey("create") && m.containsKey("delete"));
        HttpResponse<String> created = get(base + "/jolokia/exec/io.karst:type=bdevs/create/malloc/Hawtio0/"
                + "8M,512", login);
        Map<String, Object> result = MiniJson.object(created.body());
        assertEquals(created.body(), 200.0, result.get("status"));
        awaitCommand("bdev:list", out -> out.contains("Hawtio0"), Duration.ofSeconds(30));
        executeCommand("bdev:delete Hawtio0");
        // Hawtio refuses without a login (403: it leaves the login to its own page) and with a wrong one
        assertEquals(403, get(search, null).statusCode());
        assertEquals(403, get(search, "Basic " + Base64.getEncoder().encodeToString("admin:wrong".getBytes(
                StandardCharsets.UTF_8))).statusCode());
        // the console itself sends a browser without a session to its login page
        HttpResponse<String> page = get(base + "/", null);
        assertEquals(302, page.statusCode());
        assertTrue(page.headers().firstValue("Location").orElse("").contains("/hawtio/auth/login"));

        try (HeadlessChromium chromium = new HeadlessChromium(HeadlessChromium.find(), Duration.ofSeconds(30))) {
            chromium.navigate(base + "/login");
            try {
                chromium.await("document.querySelector('input[type=password]') !== null", Boolean.TRUE::equals,
                        Duration.ofSeconds(30), "Hawtio's login page");
                chromium.evaluate("(function(){"
                        + "function set(e,v){Object.getOwnPropertyDescriptor(HTMLInputElement.prototype,'value')"
                        + ".set.call(e,v);e.dispatchEvent(new Event('input',{bubbles:true}));"
                        + "e.dispatchEvent(new Event('change',{bubbles:true}));}"
                        + "set(document.querySelector('input[type=text],input[name=username]'),'admin');"
                        + "set(document.querySelector('input[type=password]'),'" + password + "');"
                        + "document.querySelector('button[type=submit],button').click();})()");
                chromium.await("document.querySelector('input[type=password]') === null", Boolean.TRUE::equals,
                        Duration.ofSeconds(30), "logged in");
                chromium.navigate(base + "/jmx/attributes?nid=root-io.karst-bdev-Malloc0");
                chromium.await("document.body.innerText.indexOf('io.karst:type=bdev,name=Malloc0') >= 0"
                        + " && document.body.innerText.indexOf('Malloc disk') >= 0", Boolean.TRUE::equals,
                        Duration.ofSeconds(30), "Hawtio's JMX tree shows the MBean of Malloc0 and its attributes");
            } catch (AssertionError | RuntimeException e) {
                Path shot = Path.of(System.getProperty("karaf.data"), "hawtio-failure.png");
                chromium.screenshot(shot);
                throw new AssertionError(e.getMessage() + " (screenshot: " + shot + ")", e);
            }
        }
    }
}
