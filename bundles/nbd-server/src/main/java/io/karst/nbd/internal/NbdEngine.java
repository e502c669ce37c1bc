package io.karst.nbd.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The NBD server without OSGi: a Netty listener (native epoll when it loads, NIO otherwise; one event loop per core
 * by default), the table of exports and the connections. The DS component wraps it; tests use it directly.
 */
public final class NbdEngine implements SessionHost {
    private static final System.Logger LOG = System.getLogger(NbdEngine.class.getName());

    /**
     * How the server runs.
     *
     * @param bindAddress            address to listen on
     * @param port                   TCP port (0: any free port)
     * @param ioThreads              event loops (0: one per core)
     * @param transport              {@code auto}, {@code epoll} or {@code nio}
     * @param sslContext             TLS, or {@code null} for none
     * @param tlsRequired            whether clients must STARTTLS
     * @param maxPayload             largest READ/WRITE in bytes
     * @param maxOutstanding         requests in flight per connection before reading pauses
     * @param negotiationTimeoutMillis time a client has to reach transmission (0: unlimited)
     * @param allocator              buffers; {@code null}: the engine's own pool (see {@link #serverAllocator})
     */
    public record Settings(String bindAddress, int port, int ioThreads, String transport, SslContext sslContext,
                           boolean tlsRequired, int maxPayload, int maxOutstanding, long negotiationTimeoutMillis,
                           ByteBufAllocator allocator) {
        public static Settings defaults(String bindAddress, int port) {
            return new Settings(bindAddress, port, 0, "auto", null, false, 32 << 20, 256, 60_000, null);
        }

        public Settings withTls(SslContext context, boolean required) {
            return new Settings(bindAddress, port, ioThreads, transport, context, required, maxPayload,
                    maxOutstanding, negotiationTimeoutMillis, allocator);
        }

        public Settings withAllocator(ByteBufAllocator a) {
            return new Settings(bindAddress, port, ioThreads, transport, sslContext, tlsRequired, maxPayload,
                    maxOutstanding, negotiationTimeoutMillis, a);
        }

        public Settings withLimits(int payload, int outstanding, long timeoutMillis) {
            return new Settings(bindAddress, port, ioThreads, transport, sslContext, tlsRequired, payload,
                    outstanding, timeoutMillis, allocator);
        }
    }

    private final Settings settings;
    private final BdevRegistry registry;
    private final Map<String, LiveExport> byKey = new LinkedHashMap<>();
    private final Map<String, LiveExport> byName = new ConcurrentHashMap<>();
    private volatile LiveExport defaultExport;
    private final Set<NbdSession> sessions = ConcurrentHashMap.newKeySet();
    private EventLoopGroup group;
    private Channel listener;
    private String transportName = "none";

    public NbdEngine(Settings settings, BdevRegistry registry) {
        this.settings = settings;
        this.registry = registry;
        if (settings.maxPayload() < 65536 || Integer.bitCount(settings.maxPayload()) != 1) {
            throw new IllegalArgumentException("max payload must be a power of two of at least 64 KiB");
        }
    }

    public synchronized void start() throws InterruptedException {
        int threads = settings.ioThreads() > 0 ? settings.ioThreads() : Runtime.getRuntime().availableProcessors();
        boolean epoll = switch (settings.transport()) {
            case "nio" -> false;
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("native epoll is not available: " + Epoll.unavailabilityCause());
                }
                yield true;
            }
            default -> Epoll.isAvailable();
        };
        if (!epoll && !"nio".equals(settings.transport())) {
            LOG.log(System.Logger.Level.INFO, "nbd: native epoll not available ({0}); using NIO",
                    String.valueOf(Epoll.unavailabilityCause()));
        }
        ByteBufAllocator allocator = settings.allocator() != null ? settings.allocator() : serverAllocator(threads);
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        transportName = epoll ? "epoll" : "nio";
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("karst-nbd", true), factory);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 16 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        NbdSession.create(NbdEngine.this, ch);
                    }
                });
        if (epoll) {
            // level-triggered: a read that does not fill the buffer ends the read loop, instead of one more read()
            // that only finds EAGAIN (what edge-triggered mode needs on every wakeup)
            b.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
        }
        try {
            listener = b.bind(new InetSocketAddress(settings.bindAddress(), settings.port())).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "nbd: listening on {0} ({1}, {2} event loops, TLS {3})",
                listener.localAddress(), transportName, threads, tlsMode());
    }

    /**
     * Pooled direct buffers in 32 MiB chunks: READ replies up to the 32 MiB maximum come from a chunk, and with a queue
     * of 1 MiB reads a chunk stays in use instead of being freed and allocated (and zeroed) again, as the default
     * 4 MiB chunks are. One arena per event loop.
     */
    static ByteBufAllocator serverAllocator(int threads) {
        return new PooledByteBufAllocator(true, 0, threads, 8192, 12, 256, 64, false, 0);
    }

    public synchronized void stop() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            listener = null;
        }
        List<LiveExport> all = new ArrayList<>(byKey.values());
        byKey.clear();
        byName.clear();
        defaultExport = null;
        all.forEach(LiveExport::stop);
        sessions.forEach(NbdSession::close);
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            group = null;
        }
    }

    public int port() {
        Channel l = listener;
        return l == null ? 0 : ((InetSocketAddress) l.localAddress()).getPort();
    }

    public String tlsMode() {
        return settings.sslContext() == null ? "off" : settings.tlsRequired() ? "required" : "optional";
    }

    public String describe() {
        Channel l = listener;
        return (l == null ? "not listening" : "listening on " + l.localAddress()) + ", transport " + transportName
                + ", TLS " + tlsMode() + ", max request " + settings.maxPayload() + " bytes";
    }

    // ---- exports ----------------------------------------------------------------------------------------------------

    /** Adds an export under a key (its configuration's PID). */
    public synchronized void addExport(String key, NbdExport export) {
        LiveExport same = byName.get(export.name());
        if (same != null) {
            throw new IllegalArgumentException("an export named " + export.name() + " exists already");
        }
        if (export.isDefault() && defaultExport != null) {
            throw new IllegalArgumentException("export " + defaultExport.name() + " is already the default export");
        }
        LiveExport live = new LiveExport(export, registry);
        byKey.put(key, live);
        byName.put(export.name(), live);
        if (export.isDefault()) {
            defaultExport = live;
        }
        live.start();
    }

    public synchronized void removeExport(String key) {
        LiveExport live = byKey.remove(key);
        if (live == null) {
            return;
        }
        byName.remove(live.name(), live);
        if (defaultExport == live) {
            defaultExport = null;
        }
        live.stop();
    }

    public synchronized Optional<String> keyOf(String name) {
        return byKey.entrySet().stream().filter(e -> e.getValue().name().equals(name)).map(Map.Entry::getKey)
                .findFirst();
    }

    public List<NbdExportInfo> exportInfos() {
        List<NbdExportInfo> out = new ArrayList<>();
        for (LiveExport e : exports()) {
            out.add(e.info());
        }
        return out;
    }

    public Optional<NbdExportInfo> exportInfo(String name) {
        return Optional.ofNullable(byName.get(name)).map(LiveExport::info);
    }

    public List<NbdConnectionInfo> connections() {
        List<NbdConnectionInfo> out = new ArrayList<>();
        for (NbdSession s : sessions) {
            out.add(s.info());
        }
        out.sort(Comparator.comparingLong(NbdConnectionInfo::id));
        return out;
    }

    public int disconnect(String export) {
        int n = 0;
        for (NbdSession s : sessions) {
            LiveExport e = s.export();
            if (export == null || (e != null && e.name().equals(export))) {
                s.close();
                n++;
            }
        }
        return n;
    }

    // ---- SessionHost ------------------------------------------------------------------------------------------------

    @Override
    public LiveExport findExport(String name) {
        return name.isEmpty() ? defaultExport : byName.get(name);
    }

    @Override
    public List<LiveExport> exports() {
        List<LiveExport> l = new ArrayList<>(byName.values());
        l.sort(Comparator.comparing(LiveExport::name));
        return l;
    }

    @Override
    public SslContext sslContext() {
        return settings.sslContext();
    }

    @Override
    public boolean tlsRequired() {
        return settings.tlsRequired() && settings.sslContext() != null;
    }

    @Override
    public int maxPayload() {
        return settings.maxPayload();
    }

    @Override
    public int maxOutstanding() {
        return settings.maxOutstanding();
    }

    @Override
    public long negotiationTimeoutMillis() {
        return settings.negotiationTimeoutMillis();
    }

    @Override
    public void opened(NbdSession session) {
        sessions.add(session);
    }

    @Override
    public void closed(NbdSession session) {
        sessions.remove(session);
    }
}
