package io.karst.rpc.client;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonDecodeException;
import io.karst.rpc.json.JsonStreamDecoder;
import io.karst.rpc.json.JsonValues;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON-RPC 2.0 client for Karst (or SPDK): one connection to a Unix domain socket or a TCP port, requests with
 * increasing integer ids, responses read as they complete (no delimiter needed), each read bounded by a timeout.
 * Not thread-safe: one client per thread, as with SPDK's {@code rpc.py}.
 *
 * <pre>
 * try (RpcClient rpc = RpcClient.connect(Path.of("/var/tmp/karst.sock"))) {
 *     Object version = rpc.call("spdk_get_version");
 *     rpc.call("bdev_malloc_create", Map.of("name", "Malloc1", "num_blocks", 2048, "block_size", 512));
 * }
 * </pre>
 */
public final class RpcClient implements AutoCloseable {
    /** The largest response this client reads. */
    public static final int MAX_RESPONSE_BYTES = 64 << 20;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final SocketChannel channel;
    private final Selector selector;
    private final String address;
    private final JsonStreamDecoder decoder = new JsonStreamDecoder(MAX_RESPONSE_BYTES);
    private final Deque<Object> received = new ArrayDeque<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private Duration timeout = DEFAULT_TIMEOUT;
    private long nextId = 1;
    private boolean endOfInput;

    private RpcClient(SocketChannel channel, String address) throws IOException {
        this.channel = channel;
        this.address = address;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    /** Connects to a Unix domain socket. */
    public static RpcClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        return open(ch, UnixDomainSocketAddress.of(socket), socket.toString());
    }

    /** Connects to a TCP listener. */
    public static RpcClient connectTcp(String host, int port) throws IOException {
        SocketChannel ch = SocketChannel.open();
        return open(ch, new InetSocketAddress(host, port), host + ":" + port);
    }

    private static RpcClient open(SocketChannel ch, SocketAddress address, String name) throws IOException {
        try {
            ch.connect(address);
            return new RpcClient(ch, name);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public String address() {
        return address;
    }

    /** How long a read waits for the next response (default 60 s). */
    public RpcClient timeout(Duration value) {
        timeout = value;
        return this;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Calls a method without parameters; returns its result. */
    public Object call(String method) throws IOException {
        return call(method, null);
    }

    /**
     * Calls a method and returns its result.
     *
     * @throws RpcException the error response (code, message and data as the server sent them)
     * @throws IOException the connection failed, closed, or no response came within the timeout
     */
    public Object call(String method, Map<String, ?> params) throws IOException {
        Map<String, Object> response = request(method, params);
        return resultOf(response);
    }

    /** The result of a response object, or its error as an {@link RpcException}. */
    public static Object resultOf(Map<String, Object> response) {
        Object error = response.get("error");
        if (error instanceof Map<?, ?> e) {
            Object code = e.get("code");
            Object message = e.get("message");
            throw new RpcException(code instanceof Number n ? n.intValue() : RpcException.INTERNAL_ERROR,
                    message == null ? "" : message.toString(), e.get("data"), null);
        }
        if (!response.containsKey("result")) {
            throw new RpcException(RpcException.INTERNAL_ERROR, "response has neither result nor error: "
                    + JsonValues.write(response));
        }
        return response.get("result");
    }

    /** Sends one request and returns the whole response object. */
    public Map<String, Object> request(String method, Map<String, ?> params) throws IOException {
        long id = nextId++;
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("jsonrpc", "2.0");
        request.put("method", method);
        request.put("id", id);
        if (params != null && !params.isEmpty()) {
            request.put("params", params);
        }
        send(request);
        Object response = read();
        if (!(response instanceof Map<?, ?> m)) {
            throw new IOException("expected a response object, got: " + JsonValues.write(response));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) m;
        if (!JsonValues.jsonEquals(r.get("id"), id) && r.get("error") == null) {
            throw new IOException("response id " + r.get("id") + " does not match request id " + id);
        }
        return r;
    }

    /** Sends a notification (no id: the server answers nothing). */
    public void notify(String method, Map<String, ?> params) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("jsonrpc", "2.0");
        request.put("method", method);
        if (params != null) {
            request.put("params", params);
        }
        send(request);
    }

    /** Writes any JSON value (a request, a batch array, or something a test wants the server to refuse). */
    public void send(Object value) throws IOException {
        sendRaw(JsonValues.toBytes(value, false));
    }

    /** Writes bytes as they are. */
    public void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + timeout.toNanos();
        SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
        try {
            while (b.hasRemaining()) {
                if (channel.write(b) == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("timed out after " + timeout.toMillis() + " ms writing to " + address);
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                }
            }
        } finally {
            key.interestOps(0);
        }
    }

    /** Closes the sending side: the server sees the end of the input and still answers what it got. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /**
     * Reads the next JSON value the server sends (a response object, or an array for a batch).
     *
     * @throws IOException on timeout, on a connection closed before a value, or on malformed data
     */
    public Object read() throws IOException {
        return read(timeout);
    }

    public Object read(Duration wait) throws IOException {
        Object value = readOrEnd(wait);
        if (value == END) {
            throw new IOException("connection closed by " + address + " before a response");
        }
        return value;
    }

    private static final Object END = new Object();

    /** The next value, or {@code null} if the server closed the connection cleanly before sending one more. */
    public Object readOrClosed(Duration wait) throws IOException {
        Object value = readOrEnd(wait);
        return value == END ? null : value;
    }

    private Object readOrEnd(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        try {
            while (received.isEmpty()) {
                if (endOfInput) {
                    return END;
                }
                readBuffer.clear();
                int n = channel.read(readBuffer);
                if (n < 0) {
                    endOfInput = true;
                    List<Object> out = new ArrayList<>(1);
                    try {
                        decoder.endOfInput(out);
                    } catch (JsonDecodeException e) {
                        throw new IOException("connection closed by " + address + " inside a response", e);
                    }
                    received.addAll(out);
                } else if (n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("no response from " + address + " within " + wait.toMillis() + " ms");
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                } else {
                    List<Object> out = new ArrayList<>(1);
                    decoder.feed(readBuffer.array(), 0, n, out);
                    received.addAll(out);
                }
            }
            return received.poll();
        } finally {
            if (key.isValid()) {
                key.interestOps(0);
            }
        }
    }

    /** Whether the server closed the connection (seen on a read). */
    public boolean closedByServer() {
        return endOfInput && received.isEmpty();
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "RpcClient[" + address + "]";
    }
}
