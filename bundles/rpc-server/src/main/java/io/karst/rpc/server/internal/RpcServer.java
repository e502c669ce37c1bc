package io.karst.rpc.server.internal;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonDecodeException;
import io.karst.rpc.json.JsonStreamDecoder;
import io.karst.rpc.json.JsonValues;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The JSON-RPC 2.0 server: a Unix domain socket (mode 0600) and, if enabled, a TCP port on a loopback address.
 *
 * <p>Threads: one I/O thread runs a selector over the listeners and every connection (JDK NIO: no native code, the
 * same code for Unix domain and TCP sockets, nothing to load or unload inside OSGi); it only moves bytes and splits
 * them into JSON values ({@link JsonStreamDecoder}: requests may follow each other with no delimiter, as SPDK's
 * clients send them). Requests run on a small worker pool, since methods may block; a connection's requests run one
 * after the other in arrival order and are answered in that order, while different connections run in parallel.
 *
 * <p>Bounds: at most {@code max.connections} connections (a few more are accepted only to be answered "too many
 * connections"; beyond that the listeners pause), requests of at most {@code max.request.bytes}, at most
 * {@code max.pending.requests} queued per connection and 1 MiB of unsent answers (then the connection is not read
 * until it catches up), a request that started must be complete within {@code request.timeout.ms}. Malformed JSON or
 * an oversized request is answered with an error and the connection is closed after the answer (a byte stream has no
 * point to resume parsing from); the rest of what the client sends is read and discarded for a moment so that the
 * answer is not lost to a reset.
 */
@Component(service = RpcServer.class, configurationPid = RpcServer.PID, immediate = true)
@Designate(ocd = RpcServer.Config.class)
public final class RpcServer {
    public static final String PID = "io.karst.rpc";
    private static final System.Logger LOG = System.getLogger(RpcServer.class.getName());
    private static final int READ_BUFFER = 64 * 1024;
    private static final long MAX_UNSENT_BYTES = 1 << 20;
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Configuration (PID {@code io.karst.rpc}, file {@code etc/io.karst.rpc.cfg}). */
    @ObjectClassDefinition(name = "Karst JSON-RPC server",
            description = "SPDK-compatible JSON-RPC 2.0 on a Unix domain socket and optionally local TCP")
    public @interface Config {
        @AttributeDefinition(description = "Unix domain socket path (relative: to the instance directory); empty:"
                + " the system property karst.jsonrpc.socket, else /var/tmp/karst.sock")
        String socket() default "";

        @AttributeDefinition(description = "Also listen on TCP (no authentication: loopback addresses only)")
        boolean tcp_enabled() default false;

        @AttributeDefinition(description = "TCP address; must be a loopback address")
        String tcp_address() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port (rpc.py's default is 5260)")
        int tcp_port() default 5260;

        @AttributeDefinition(description = "Most connections served at once")
        int max_connections() default 64;

        @AttributeDefinition(description = "Largest request (one JSON value, a batch included), bytes")
        int max_request_bytes() default 4 << 20;

        @AttributeDefinition(description = "A request that has begun must be complete within this many ms")
        long request_timeout_ms() default 30000;

        @AttributeDefinition(description = "Close connections idle for this many ms (0: never)")
        long idle_timeout_ms() default 0;

        @AttributeDefinition(description = "Threads that run methods")
        int worker_threads() default 4;

        @AttributeDefinition(description = "Requests queued per connection before it is no longer read")
        int max_pending_requests() default 32;

        @AttributeDefinition(description = "A configuration file (SPDK JSON) to apply at every start; calls already"
                + " in effect are skipped. Empty: none")
        String load_config() default "";

        @AttributeDefinition(description = "How long the startup load waits for the methods the file calls, ms")
        long load_config_wait_ms() default 60000;
    }

    /** A listening channel: the Unix socket (with its file) or the TCP port. */
    private record Listener(String description, ServerSocketChannel channel, UnixSocketFile file) {
    }

    /** An answer prepared by the I/O thread (protocol errors), queued in order with the requests. */
    private record Prepared(Map<String, Object> response) {
    }

    private final RpcRegistry registry;
    private final JsonRpcProtocol protocol;
    private final ServerSettings settings;
    private final Selector selector;
    private final List<Listener> listeners = new ArrayList<>();
    private final Set<Connection> connections = new HashSet<>();
    private final ConcurrentLinkedQueue<Connection> dirty = new ConcurrentLinkedQueue<>();
    private final ThreadPoolExecutor workers;
    private final Thread ioThread;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
    private volatile boolean running = true;
    private Thread startupLoader;
    private volatile String startupLoad = "none configured";
    private boolean paused;
    private int served;
    private int rejecting;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();

    @Activate
    public RpcServer(@Reference RpcRegistry registry, Config config) throws IOException {
        this(registry, ServerSettings.of(config, System::getProperty));
    }

    RpcServer(RpcRegistry registry, ServerSettings settings) throws IOException {
        this.registry = registry;
        this.settings = settings;
        this.protocol = new JsonRpcProtocol(registry::call);
        AtomicInteger threadIds = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.workerThreads(), settings.workerThreads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "karst-rpc-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
        this.selector = Selector.open();
        try {
            UnixSocketFile unix = UnixSocketFile.bind(settings.socket(), 128);
            listeners.add(new Listener("unix:" + unix.path(), unix.channel(), unix));
            if (settings.tcpEnabled()) {
                listeners.add(tcp(settings.tcpAddress(), settings.tcpPort()));
            }
            for (Listener l : listeners) {
                l.channel().configureBlocking(false);
                l.channel().register(selector, SelectionKey.OP_ACCEPT, l);
            }
        } catch (IOException | RuntimeException e) {
            closeListeners();
            selector.close();
            workers.shutdownNow();
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC server not started: {0}", e.getMessage());
            throw e;
        }
        ioThread = new Thread(this::loop, "karst-rpc-io");
        ioThread.setDaemon(true);
        ioThread.start();
        LOG.log(System.Logger.Level.INFO, "JSON-RPC server listening on {0}", String.join(", ", listenerNames()));
        if (settings.loadConfig() != null) {
            startupLoad = "pending: " + settings.loadConfig();
            startupLoader = new Thread(this::loadStartupConfig, "karst-rpc-load-config");
            startupLoader.setDaemon(true);
            startupLoader.start();
        }
    }

    private static Listener tcp(String address, int port) throws IOException {
        InetAddress inet = InetAddress.getByName(address);
        if (!inet.isLoopbackAddress()) {
            throw new IOException("tcp.address " + address + " is not a loopback address; the JSON-RPC port has no"
                    + " authentication and listens on loopback addresses only");
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(inet, port), 128);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen on TCP " + address + ":" + port + ": " + e.getMessage(), e);
        }
        return new Listener("tcp:" + inet.getHostAddress() + ":" + ((InetSocketAddress) ch.getLocalAddress()).getPort(),
                ch, null);
    }

    @Deactivate
    void stop() {
        running = false;
        if (startupLoader != null) {
            startupLoader.interrupt();
        }
        selector.wakeup();
        try {
            ioThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeListeners();
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "JSON-RPC methods still running after the server stopped");
            }
            if (startupLoader != null) {
                startupLoader.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.INFO, "JSON-RPC server stopped");
    }

    private synchronized void closeListeners() {
        for (Listener l : listeners) {
            try {
                if (l.file() != null) {
                    l.file().close();
                } else {
                    l.channel().close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
        listeners.clear();
    }

    // ------------------------------------------------------------------ what rpc:info shows

    /** The socket path of this server. */
    public Path socket() {
        return settings.socket();
    }

    public List<String> listenerNames() {
        List<String> names = new ArrayList<>();
        synchronized (this) {
            listeners.forEach(l -> names.add(l.description()));
        }
        return names;
    }

    /** Counters and settings, for {@code rpc:info}. */
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listeners", listenerNames());
        m.put("connections open", open.get());
        m.put("connections accepted", accepted.get());
        m.put("connections refused (too many)", refused.get());
        m.put("requests", requests.get());
        m.put("max connections", settings.maxConnections());
        m.put("max request bytes", settings.maxRequestBytes());
        m.put("request timeout ms", settings.requestTimeout().toMillis());
        m.put("idle timeout ms", settings.idleTimeout().toMillis());
        m.put("worker threads", settings.workerThreads());
        m.put("startup configuration", startupLoad);
        return m;
    }

    // ------------------------------------------------------------------ startup configuration

    private void loadStartupConfig() {
        Path file = settings.loadConfig();
        try {
            if (!Files.isRegularFile(file)) {
                startupLoad = "not found: " + file;
                LOG.log(System.Logger.Level.WARNING, "configuration file {0} (load.config) does not exist", file);
                return;
            }
            Object document;
            try {
                document = JsonValues.parse(Files.readAllBytes(file));
            } catch (JsonDecodeException e) {
                startupLoad = "not valid JSON: " + file + ": " + e.getMessage();
                LOG.log(System.Logger.Level.ERROR, "configuration file {0} is not valid JSON: {1}", file, e.getMessage());
                return;
            }
            Map<String, Object> report = registry.loadConfig(document, settings.loadConfigWait());
            String counts = report.get("applied") + " applied, " + report.get("skipped") + " skipped";
            startupLoad = "loaded " + file + ": " + counts;
            LOG.log(System.Logger.Level.INFO, "configuration {0} (load.config): {1}", file, counts);
        } catch (RpcException e) {
            startupLoad = "failed " + file + ": " + e.getMessage();
            LOG.log(System.Logger.Level.ERROR, "configuration {0} did not load completely: {1}", file, e.getMessage());
        } catch (IOException | RuntimeException e) {
            startupLoad = "failed " + file + ": " + e;
            LOG.log(System.Logger.Level.ERROR, "configuration " + file + " could not be loaded", e);
        }
    }

    // ------------------------------------------------------------------ I/O thread

    /** Per-connection state. Fields without a comment belong to the I/O thread. */
    private final class Connection {
        final long id = connectionIds.incrementAndGet();
        final SocketChannel channel;
        final SelectionKey key;
        final String peer;
        final JsonStreamDecoder decoder = new JsonStreamDecoder(settings.maxRequestBytes());
        /** Over the connection limit: its first request is answered "too many connections", then it closes. */
        final boolean rejecting;
        final long acceptedAt = System.nanoTime();
        long lastActivity = acceptedAt;
        long partialSince = -1;
        /** No more requests are read (end of input, a fatal error, or a rejecting connection answered). */
        boolean inputDone;
        /** The client ended its input. */
        boolean eof;
        /** Close once every queued request is answered and every answer written. */
        boolean closeWhenDone;
        /** Output shut down after a fatal error: what the client still sends is discarded until this time. */
        long lingerUntil = -1;
        boolean closed;

        // guarded by this
        final ArrayDeque<Object> inbox = new ArrayDeque<>();
        boolean busy;
        final ArrayDeque<ByteBuffer> outbox = new ArrayDeque<>();
        long unsent;

        Connection(SocketChannel channel, String peer, boolean rejecting) throws IOException {
            this.channel = channel;
            this.peer = peer;
            this.rejecting = rejecting;
            this.key = channel.register(selector, SelectionKey.OP_READ, this);
        }
    }

    private void loop() {
        long nextCheck = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (running) {
            try {
                selector.select(500);
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.attachment() instanceof Listener l) {
                            accept(l);
                        } else if (key.attachment() instanceof Connection c) {
                            if (key.isWritable()) {
                                update(c);
                            }
                            if (key.isValid() && key.isReadable()) {
                                read(c);
                            }
                        }
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "JSON-RPC I/O failed", e);
                        if (key.attachment() instanceof Connection c) {
                            close(c);
                        }
                    }
                }
                selector.selectedKeys().clear();
                Connection c;
                while ((c = dirty.poll()) != null) {
                    update(c);
                }
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    checkTimeouts(now);
                    nextCheck = now + TimeUnit.SECONDS.toNanos(1);
                }
            } catch (ClosedSelectorException e) {
                break;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "JSON-RPC server loop", e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        for (Connection c : new ArrayList<>(connections)) {
            close(c);
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void accept(Listener l) {
        while (true) {
            SocketChannel ch;
            try {
                ch = l.channel().accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "accept on {0} failed: {1}", l.description(), e.getMessage());
                return;
            }
            if (ch == null) {
                return;
            }
            boolean reject = served >= settings.maxConnections();
            try {
                ch.configureBlocking(false);
                String peer = l.file() != null ? "unix#" : String.valueOf(ch.getRemoteAddress()) + "#";
                Connection c = new Connection(ch, peer, reject);
                connections.add(c);
                open.incrementAndGet();
                if (reject) {
                    rejecting++;
                    refused.incrementAndGet();
                } else {
                    served++;
                    accepted.incrementAndGet();
                }
            } catch (IOException e) {
                closeQuietly(ch);
                continue;
            }
            if (served >= settings.maxConnections() && rejecting >= maxRejecting()) {
                pauseListeners(true);
                return;
            }
        }
    }

    private int maxRejecting() {
        return Math.max(4, settings.maxConnections() / 4);
    }

    private void pauseListeners(boolean pause) {
        if (paused == pause) {
            return;
        }
        paused = pause;
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Listener) {
                key.interestOps(pause ? 0 : SelectionKey.OP_ACCEPT);
            }
        }
        if (pause) {
            LOG.log(System.Logger.Level.WARNING, "JSON-RPC: {0} connections open, not accepting more for now",
                    served + rejecting);
        }
    }

    private void read(Connection c) {
        readBuffer.clear();
        int n;
        try {
            n = c.channel.read(readBuffer);
        } catch (IOException e) {
            close(c);
            return;
        }
        long now = System.nanoTime();
        if (c.lingerUntil >= 0) {
            if (n < 0) {
                close(c);
            }
            return;
        }
        if (n == 0) {
            return;
        }
        List<Object> values = new ArrayList<>(2);
        if (n < 0) {
            c.eof = true;
            c.inputDone = true;
            c.closeWhenDone = true;
            try {
                c.decoder.endOfInput(values);
                enqueueAll(c, values);
            } catch (JsonDecodeException e) {
                enqueueAll(c, values);
                fatal(c, JsonRpcProtocol.error(null, RpcException.PARSE_ERROR, JsonRpcProtocol.PARSE_ERROR,
                        e.getMessage()));
            }
            update(c);
            return;
        }
        c.lastActivity = now;
        try {
            c.decoder.feed(readBuffer.array(), 0, n, values);
            enqueueAll(c, values);
        } catch (JsonDecodeException e) {
            enqueueAll(c, values);
            boolean tooLarge = e.kind() == JsonDecodeException.Kind.TOO_LARGE;
            fatal(c, JsonRpcProtocol.error(null, tooLarge ? RpcException.INVALID_REQUEST : RpcException.PARSE_ERROR,
                    tooLarge ? JsonRpcProtocol.INVALID_REQUEST : JsonRpcProtocol.PARSE_ERROR,
                    tooLarge ? e.getMessage() + " (max.request.bytes)" : e.getMessage()));
        }
        if (c.decoder.hasPartialValue()) {
            if (c.partialSince < 0) {
                c.partialSince = now;
            }
        } else {
            c.partialSince = -1;
        }
        update(c);
    }

    private void enqueueAll(Connection c, List<Object> values) {
        for (Object v : values) {
            if (c.rejecting) {
                enqueue(c, new Prepared(JsonRpcProtocol.error(idOf(v), -RpcException.EBUSY, "Too many connections",
                        "the server serves " + settings.maxConnections() + " connections at once (max.connections);"
                                + " try again later")));
                c.inputDone = true;
                c.closeWhenDone = true;
                return;
            }
            enqueue(c, v);
        }
    }

    private static Object idOf(Object request) {
        if (request instanceof Map<?, ?> m) {
            Object id = m.get("id");
            return id instanceof String || id instanceof Number ? id : null;
        }
        return null;
    }

    /** Answers with an error after everything queued before, then closes. */
    private void fatal(Connection c, Map<String, Object> response) {
        enqueue(c, new Prepared(response));
        c.inputDone = true;
        c.closeWhenDone = true;
        c.partialSince = -1;
    }

    private void enqueue(Connection c, Object item) {
        boolean start;
        synchronized (c) {
            c.inbox.add(item);
            start = !c.busy;
            c.busy = true;
        }
        if (start) {
            submit(c);
        }
    }

    private void submit(Connection c) {
        try {
            workers.execute(() -> runNext(c));
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** Worker: answers the connection's oldest request; resubmits itself while more are queued (fair to others). */
    private void runNext(Connection c) {
        Object item;
        synchronized (c) {
            item = c.inbox.poll();
            if (item == null) {
                c.busy = false;
                return;
            }
        }
        byte[] bytes = null;
        try {
            Object response;
            if (item instanceof Prepared p) {
                response = p.response();
            } else {
                requests.incrementAndGet();
                response = protocol.handle(item);
            }
            if (response != null) {
                bytes = JsonRpcProtocol.encode(response);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "JSON-RPC request handling failed", e);
            bytes = JsonRpcProtocol.encode(JsonRpcProtocol.internalError(idOf(item), "the request", "-"));
        }
        boolean more;
        synchronized (c) {
            if (bytes != null && !c.closed) {
                c.outbox.add(ByteBuffer.wrap(bytes));
                c.unsent += bytes.length;
            }
            more = !c.inbox.isEmpty();
            if (!more) {
                c.busy = false;
            }
        }
        if (more) {
            submit(c);
        }
        dirty.add(c);
        selector.wakeup();
    }

    /** Writes what it can, then sets what the connection waits for (or closes it when it is done). */
    private void update(Connection c) {
        if (c.closed) {
            return;
        }
        boolean wantWrite;
        boolean done;
        boolean readable;
        try {
            while (true) {
                ByteBuffer b;
                synchronized (c) {
                    b = c.outbox.peek();
                }
                if (b == null) {
                    break;
                }
                int n = c.channel.write(b);
                synchronized (c) {
                    c.unsent -= n;
                    if (!b.hasRemaining()) {
                        c.outbox.poll();
                    }
                }
                if (b.hasRemaining()) {
                    break;
                }
            }
        } catch (IOException e) {
            close(c);
            return;
        }
        synchronized (c) {
            wantWrite = !c.outbox.isEmpty();
            int pending = c.inbox.size() + (c.busy ? 1 : 0);
            done = !wantWrite && pending == 0;
            readable = pending < settings.maxPendingRequests() && c.unsent < MAX_UNSENT_BYTES;
        }
        if (c.closeWhenDone && done) {
            if (c.lingerUntil >= 0) {
                return;
            }
            if (!c.eof) {
                // the client may still be sending: shut our side, discard its bytes for a moment, then close
                try {
                    c.channel.shutdownOutput();
                } catch (IOException e) {
                    close(c);
                    return;
                }
                c.lingerUntil = System.nanoTime() + LINGER_NANOS;
                c.key.interestOps(SelectionKey.OP_READ);
                return;
            }
            close(c);
            return;
        }
        int ops = (wantWrite ? SelectionKey.OP_WRITE : 0) | (!c.inputDone && readable ? SelectionKey.OP_READ : 0);
        c.key.interestOps(ops);
    }

    private void checkTimeouts(long now) {
        for (Connection c : new ArrayList<>(connections)) {
            if (c.closed) {
                continue;
            }
            if (c.lingerUntil >= 0) {
                if (now - c.lingerUntil >= 0) {
                    close(c);
                }
                continue;
            }
            long requestTimeout = settings.requestTimeout().toNanos();
            if (c.rejecting && now - c.acceptedAt > requestTimeout) {
                close(c);
                continue;
            }
            if (!c.inputDone && c.partialSince >= 0 && now - c.partialSince > requestTimeout) {
                fatal(c, JsonRpcProtocol.error(null, RpcException.PARSE_ERROR, JsonRpcProtocol.PARSE_ERROR,
                        "incomplete request: not complete " + settings.requestTimeout().toMillis()
                                + " ms after it began (request.timeout.ms)"));
                update(c);
                continue;
            }
            long idle = settings.idleTimeout().toNanos();
            if (idle > 0 && !c.inputDone && c.partialSince < 0 && now - c.lastActivity > idle) {
                boolean quiet;
                synchronized (c) {
                    quiet = c.inbox.isEmpty() && !c.busy && c.outbox.isEmpty();
                }
                if (quiet) {
                    close(c);
                }
            }
        }
    }

    private void close(Connection c) {
        if (c.closed) {
            return;
        }
        synchronized (c) {
            c.closed = true;
            c.inbox.clear();
            c.outbox.clear();
        }
        c.key.cancel();
        closeQuietly(c.channel);
        connections.remove(c);
        open.decrementAndGet();
        if (c.rejecting) {
            rejecting--;
        } else {
            served--;
        }
        if (paused && served < settings.maxConnections()) {
            pauseListeners(false);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
