package io.karst.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools protocol with the JDK's own HTTP and WebSocket
 * client: no driver binary, no browser download, no library. The test sees the page as a person would: it runs
 * the page's script for real (in real time) and reads what the page shows.
 *
 * <p>The browser gets a fresh profile directory, no network beyond what the page asks for (background networking,
 * sync, component updates off), and is killed with its child processes on {@link #close()}.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final List<String> consoleErrors = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final WebSocket socket;

    /** The Chromium binary: {@code -Dkarst.chromium=PATH}, else the first of the usual names on the PATH. */
    static Path find() {
        String configured = System.getProperty("karst.chromium");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("no Chromium found on the PATH: the dashboard test needs Debian's chromium "
                + "package (apt-get install chromium; .ci/run installs it), or -Dkarst.chromium=/path/to/chromium");
    }

    HeadlessChromium(Path binary, Duration startTimeout) throws Exception {
        profile = Files.createTempDirectory("karst-chromium-");
        ProcessBuilder pb = new ProcessBuilder(binary.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "about:blank");
        pb.redirectErrorStream(true);
        process = pb.start();
        CompletableFuture<String> browserUrl = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = DEVTOOLS.matcher(line);
                    if (m.find()) {
                        browserUrl.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            browserUrl.completeExceptionally(new IllegalStateException("Chromium exited: " + output));
        }, "chromium-output");
        reader.setDaemon(true);
        reader.start();
        try {
            URI browser = URI.create(browserUrl.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS));
            HttpClient http = HttpClient.newHttpClient();
            URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
            String targets = http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            String page = null;
            for (Object t : (List<?>) MiniJson.parse(targets)) {
                if ("page".equals(MiniJson.at(t, "type"))) {
                    page = (String) MiniJson.at(t, "webSocketDebuggerUrl");
                    break;
                }
            }
            if (page == null) {
                throw new IllegalStateException("Chromium shows no page target: " + targets);
            }
            socket = http.newWebSocketBuilder().buildAsync(URI.create(page), new Listener())
                    .get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("could not start and connect to Chromium: " + e + "\nits output: "
                    + output, e);
        }
        call("Runtime.enable", Map.of());
        call("Page.enable", Map.of());
        call("Network.enable", Map.of());
    }

    /** Sends these headers with every request of the page (e.g. an HTTP Basic login). */
    void extraHeaders(Map<String, String> headers) throws Exception {
        call("Network.setExtraHTTPHeaders", Map.of("headers", headers));
    }

    void navigate(String url) throws Exception {
        Map<String, Object> r = call("Page.navigate", Map.of("url", url));
        if (r.get("errorText") != null) {
            throw new IllegalStateException("navigating to " + url + ": " + r.get("errorText"));
        }
    }

    /** Evaluates a JavaScript expression in the page; its value (strings, numbers, booleans, JSON-like data). */
    Object evaluate(String expression) throws Exception {
        Map<String, Object> r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.get("exceptionDetails") != null) {
            throw new IllegalStateException("JavaScript failed: " + expression + ": " + r.get("exceptionDetails"));
        }
        return MiniJson.at(r, "result", "value");
    }

    /** Evaluates the expression until its value passes the test; returns that value, or fails with the last one. */
    Object await(String expression, Predicate<Object> condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        Exception error = null;
        while (System.nanoTime() < deadline) {
            try {
                last = evaluate(expression);
                error = null;
                if (condition.test(last)) {
                    return last;
                }
            } catch (IllegalStateException e) {
                error = e;
            }
            Thread.sleep(200);
        }
        AssertionError failure = new AssertionError(what + ": not within " + timeout + "; last value of `"
                + expression + "`: " + last + "; console errors: " + consoleErrors);
        if (error != null) {
            failure.initCause(error);
        }
        throw failure;
    }

    /** Errors the page wrote to its console or threw. */
    List<String> consoleErrors() {
        return List.copyOf(consoleErrors);
    }

    /** Saves a screenshot of the page as PNG (for a person looking into a failure). */
    void screenshot(Path png) throws Exception {
        Object data = call("Page.captureScreenshot", Map.of("format", "png")).get("data");
        Files.write(png, java.util.Base64.getDecoder().decode((String) data));
    }

    Map<String, Object> call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        pending.put(id, reply);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        synchronized (this) {
            socket.sendText(MiniJson.write(message), true).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> answer = reply.get(30, TimeUnit.SECONDS);
        if (answer.get("error") != null) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) answer.getOrDefault("result", Map.of());
        return result;
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                socket.abort();
            }
        } catch (RuntimeException e) {
            // closing anyway
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory
        }
    }

    /** Answers go to their callers; console errors and exceptions are kept for the failure message. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                handle(message);
            }
            webSocket.request(1);
            return null;
        }

        private void handle(String message) {
            Map<String, Object> m = MiniJson.object(message);
            Object id = m.get("id");
            if (id instanceof Double d) {
                CompletableFuture<Map<String, Object>> reply = pending.remove(d.intValue());
                if (reply != null) {
                    reply.complete(m);
                }
                return;
            }
            Object method = m.get("method");
            if ("Runtime.exceptionThrown".equals(method)) {
                consoleErrors.add(String.valueOf(MiniJson.at(m, "params", "exceptionDetails")));
            } else if ("Runtime.consoleAPICalled".equals(method) && "error".equals(MiniJson.at(m, "params", "type"))) {
                consoleErrors.add(String.valueOf(MiniJson.at(m, "params", "args")));
            } else if ("Network.loadingFailed".equals(method)) {
                consoleErrors.add("request failed: " + MiniJson.at(m, "params"));
            }
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
