package io.karst.iscsi.internal;

import io.karst.iscsi.PortalGroupConfig;
import io.karst.iscsi.internal.pdu.PduDecoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The TCP side: one event-loop group (native epoll where it loads, NIO otherwise) with a thread per core by
 * default, shared by every portal; connections are spread over the loops, and each connection stays on one.
 */
public final class IscsiServer {
    private static final System.Logger LOG = System.getLogger(IscsiServer.class.getName());

    private final TargetRegistry registry;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channelClass;
    private final String transport;
    private final Map<Integer, List<Channel>> listeners = new ConcurrentHashMap<>();

    public IscsiServer(TargetRegistry registry, int threads) {
        this.registry = registry;
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        IoHandlerFactory factory;
        Class<? extends ServerChannel> cls;
        String t;
        if (epollAvailable()) {
            factory = EpollIoHandler.newFactory();
            cls = EpollServerSocketChannel.class;
            t = "epoll";
        } else {
            LOG.log(System.Logger.Level.INFO, "iSCSI target: native epoll unavailable ({0}); using NIO",
                    epollProblem());
            factory = NioIoHandler.newFactory();
            cls = NioServerSocketChannel.class;
            t = "nio";
        }
        this.group = new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory("karst-iscsi", true), factory);
        this.channelClass = cls;
        this.transport = t;
        LOG.log(System.Logger.Level.INFO, "iSCSI target: {0} event loops on {1}", n, t);
    }

    private static boolean epollAvailable() {
        try {
            return Epoll.isAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static String epollProblem() {
        try {
            Throwable t = Epoll.unavailabilityCause();
            return t == null ? "unknown" : t.toString() + (t.getCause() != null ? " <- " + t.getCause() : "");
        } catch (Throwable e) {
            return e.toString();
        }
    }

    public String transport() {
        return transport;
    }

    /** Listens on the portals of a group (replacing earlier listeners of the same tag). */
    public synchronized void bind(PortalGroupConfig pg) {
        unbind(pg.tag());
        List<Channel> bound = new ArrayList<>();
        for (PortalGroupConfig.Portal p : pg.portals()) {
            String portal = p.toString();
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(channelClass)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int nop = registry.options().nopInInterval();
                            int idle = nop > 0 ? nop : registry.options().nopTimeout();
                            PduDecoder decoder = new PduDecoder();
                            ch.pipeline().addLast("idle", new IdleStateHandler(idle, 0, 0, TimeUnit.SECONDS));
                            ch.pipeline().addLast("pdu", decoder);
                            ch.pipeline().addLast("iscsi", new IscsiConnection(registry, pg.tag(), portal, decoder));
                        }
                    });
            try {
                Channel c = b.bind(new InetSocketAddress(p.host(), p.port())).syncUninterruptibly().channel();
                bound.add(c);
                LOG.log(System.Logger.Level.INFO, "iSCSI portal group {0} listening on {1}", pg.tag(), portal);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.ERROR, "iSCSI portal group {0}: cannot listen on {1}: {2}", pg.tag(),
                        portal, e.getMessage());
            }
        }
        listeners.put(pg.tag(), bound);
    }

    public synchronized void unbind(int tag) {
        List<Channel> old = listeners.remove(tag);
        if (old != null) {
            for (Channel c : old) {
                c.close().syncUninterruptibly();
            }
        }
    }

    /** Addresses actually bound, by portal group tag (for views and tests). */
    public Map<Integer, List<InetSocketAddress>> boundAddresses() {
        Map<Integer, List<InetSocketAddress>> m = new java.util.TreeMap<>();
        listeners.forEach((tag, chans) -> m.put(tag, chans.stream()
                .map(c -> (InetSocketAddress) c.localAddress()).toList()));
        return m;
    }

    public void stop() {
        for (Integer tag : new ArrayList<>(listeners.keySet())) {
            unbind(tag);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
