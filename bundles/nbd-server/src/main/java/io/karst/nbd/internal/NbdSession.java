package io.karst.nbd.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.protocol.Nbd;
import io.karst.nbd.protocol.NbdDecoder;
import io.karst.nbd.protocol.NbdRequest;
import io.karst.nbd.protocol.NbdWire;
import io.karst.nbd.protocol.OptionRequest;
import io.karst.nbd.protocol.RequestPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One NBD connection: the negotiation state machine (fixed newstyle options, STARTTLS, structured replies, meta
 * contexts) and then the transmission phase, which turns requests into bdev I/O on the connection's own I/O
 * channel and completions into replies. Runs on the connection's event loop; completions from other threads are
 * handed back to it.
 *
 * <p>READ replies are built in one pooled direct buffer: the reply header, then the bytes the bdev reads straight
 * into it. WRITE payloads go to the bdev as the received buffers themselves.
 */
public final class NbdSession extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(NbdSession.class.getName());
    private static final AtomicLong IDS = new AtomicLong();
    private static final int KNOWN_CMD_FLAGS = Nbd.CMD_FLAG_FUA | Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_DF
            | Nbd.CMD_FLAG_REQ_ONE | Nbd.CMD_FLAG_FAST_ZERO;

    private final SessionHost host;
    private final NbdDecoder decoder;
    private final RequestPool requests = new RequestPool(64);
    private final ArrayDeque<Op> ops = new ArrayDeque<>();
    private final long id = IDS.incrementAndGet();
    private final Instant since = Instant.now();

    private ChannelHandlerContext ctx;
    private Channel channel;
    private ByteBufAllocator alloc;
    private ScheduledFuture<?> negotiationTimeout;

    // negotiation state
    private boolean tls;
    private boolean noZeroes;
    private boolean structured;
    private String metaContextExport;   // export the base:allocation context was set for, or null

    // transmission state
    private volatile LiveExport export;
    private BdevDescriptor descriptor;
    private IoChannel io;
    private Bdev bdev;
    private int blockSize;
    private int alignment;
    private boolean readOnly;
    private boolean blockStatus;
    private int outstanding;
    private boolean disconnecting;
    private boolean closed;
    private boolean released;
    private boolean inRead;
    private boolean flushScheduled;
    private boolean readingPaused;
    private final Runnable flushTask = this::scheduledFlush;

    // statistics (written on the event loop, read by management)
    private volatile long requestCount;
    private volatile long readBytes;
    private volatile long writtenBytes;
    private volatile long errorCount;

    public NbdSession(SessionHost host, NbdDecoder decoder) {
        this.host = host;
        this.decoder = decoder;
    }

    /** The decoder and session of a new connection, sharing one request pool. */
    public static NbdSession create(SessionHost host, Channel ch) {
        RequestPool pool = new RequestPool(64);
        NbdDecoder decoder = new NbdDecoder(65536, host.maxPayload(), pool);
        NbdSession session = new NbdSession(host, decoder);
        ch.pipeline().addLast("nbd-decoder", decoder).addLast("nbd-session", session);
        return session;
    }

    // ---- lifecycle ------------------------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.alloc = ctx.alloc();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        host.opened(this);
        ByteBuf greeting = alloc.buffer(18);
        NbdWire.greeting(greeting, Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        ctx.writeAndFlush(greeting);
        long timeout = host.negotiationTimeoutMillis();
        if (timeout > 0) {
            negotiationTimeout = ctx.executor().schedule(() -> {
                if (export == null && channel.isActive()) {
                    LOG.log(System.Logger.Level.INFO, "nbd: {0} did not finish negotiating in {1} ms; closing",
                            channel.remoteAddress(), timeout);
                    channel.close();
                }
            }, timeout, TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (negotiationTimeout != null) {
            negotiationTimeout.cancel(false);
        }
        host.closed(this);
        releaseIfDrained();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "nbd: connection " + channel.remoteAddress() + " failed", cause);
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                && cause.getCause().getClass().getName().startsWith("javax.net.ssl")) {
            LOG.log(System.Logger.Level.INFO, "nbd: TLS failure with {0}: {1}", channel.remoteAddress(),
                    cause.getCause().getMessage());
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            LOG.log(System.Logger.Level.INFO, "nbd: TLS handshake with {0} failed: {1}", channel.remoteAddress(),
                    e.cause().getMessage());
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The export's bdev is going away (or the export stops): end the connection. */
    void exportGone() {
        if (channel != null) {
            channel.eventLoop().execute(() -> channel.close());
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    private void releaseIfDrained() {
        if (!closed || outstanding > 0 || released) {
            return;
        }
        released = true;
        if (io != null) {
            io.close();
        }
        LiveExport e = export;
        if (e != null) {
            e.leave(this);
        }
        ops.clear();
    }

    // ---- reading ----------------------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inRead = true;
        if (msg instanceof NbdRequest r) {
            request(r);
        } else if (msg instanceof OptionRequest o) {
            try {
                option(o);
            } finally {
                o.release();
            }
        } else if (msg instanceof NbdDecoder.ClientFlags f) {
            clientFlags(f.flags());
        } else if (msg instanceof NbdDecoder.ProtocolViolation v) {
            LOG.log(System.Logger.Level.INFO, "nbd: {0}: {1}; closing", channel.remoteAddress(), v.reason());
            ctx.close();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    private void updateReading() {
        boolean pause = disconnecting || outstanding >= host.maxOutstanding() || !channel.isWritable();
        if (pause != readingPaused) {
            readingPaused = pause;
            channel.config().setAutoRead(!pause);
        }
    }

    // ---- negotiation ------------------------------------------------------------------------------------------------

    private void clientFlags(int flags) {
        if ((flags & ~Nbd.CLIENT_FLAGS_KNOWN) != 0) {
            LOG.log(System.Logger.Level.INFO, "nbd: {0} sent unknown client flags 0x{1}; closing",
                    channel.remoteAddress(), Integer.toHexString(flags));
            ctx.close();
            return;
        }
        noZeroes = (flags & Nbd.FLAG_NO_ZEROES) != 0;
    }

    private void option(OptionRequest o) {
        int opt = o.option();
        if (o.tooBig()) {
            optionReply(opt, Nbd.REP_ERR_TOO_BIG, "option data of " + o.length() + " bytes is too long");
            return;
        }
        boolean tlsPending = host.tlsRequired() && !tls;
        if (tlsPending && opt != Nbd.OPT_STARTTLS && opt != Nbd.OPT_ABORT) {
            if (opt == Nbd.OPT_EXPORT_NAME) {
                ctx.close(); // no way to answer an error to EXPORT_NAME
            } else {
                optionReply(opt, Nbd.REP_ERR_TLS_REQD, "this server requires TLS (STARTTLS)");
            }
            return;
        }
        ByteBuf data = o.data();
        try {
            switch (opt) {
                case Nbd.OPT_EXPORT_NAME -> exportName(NbdWire.parseExportName(data));
                case Nbd.OPT_ABORT -> {
                    optionReply(opt, Nbd.REP_ACK, null);
                    ctx.writeAndFlush(alloc.buffer(0)).addListener(ChannelFutureListener.CLOSE);
                }
                case Nbd.OPT_LIST -> list(data);
                case Nbd.OPT_STARTTLS -> startTls(data);
                case Nbd.OPT_INFO, Nbd.OPT_GO -> info(opt, NbdWire.parseInfoRequest(data));
                case Nbd.OPT_STRUCTURED_REPLY -> {
                    if (data.isReadable()) {
                        optionReply(opt, Nbd.REP_ERR_INVALID, "STRUCTURED_REPLY takes no data");
                    } else {
                        structured = true;
                        optionReply(opt, Nbd.REP_ACK, null);
                    }
                }
                case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT ->
                    metaContext(opt, NbdWire.parseMetaContext(data));
                default -> optionReply(opt, Nbd.REP_ERR_UNSUP, "unsupported option " + Nbd.optionName(opt));
            }
        } catch (NbdWire.MalformedOption e) {
            if (opt == Nbd.OPT_EXPORT_NAME) {
                ctx.close();
            } else {
                optionReply(opt, Nbd.REP_ERR_INVALID, Nbd.optionName(opt) + ": " + e.getMessage());
            }
        }
    }

    private void optionReply(int option, int type, String message) {
        ByteBuf b = alloc.buffer(20 + (message == null ? 0 : message.length() * 3));
        NbdWire.optionReply(b, option, type, message);
        ctx.write(b);
    }

    private void list(ByteBuf data) {
        if (data.isReadable()) {
            optionReply(Nbd.OPT_LIST, Nbd.REP_ERR_INVALID, "LIST takes no data");
            return;
        }
        for (LiveExport e : host.exports()) {
            ByteBuf b = alloc.buffer();
            NbdWire.serverReply(b, Nbd.OPT_LIST, e.name(), e.spec().description());
            ctx.write(b);
        }
        optionReply(Nbd.OPT_LIST, Nbd.REP_ACK, null);
    }

    private void startTls(ByteBuf data) {
        int opt = Nbd.OPT_STARTTLS;
        if (data.isReadable()) {
            optionReply(opt, Nbd.REP_ERR_INVALID, "STARTTLS takes no data");
        } else if (host.sslContext() == null) {
            optionReply(opt, Nbd.REP_ERR_UNSUP, "TLS is not configured on this server");
        } else if (tls) {
            optionReply(opt, Nbd.REP_ERR_INVALID, "TLS is already on");
        } else if (decoder.pendingBytes() > 0) {
            LOG.log(System.Logger.Level.INFO, "nbd: {0} sent data after STARTTLS before the handshake; closing",
                    channel.remoteAddress());
            ctx.close();
        } else {
            SslHandler ssl = new SslHandler(host.sslContext().newEngine(alloc), true);
            ctx.pipeline().addFirst("tls", ssl);
            optionReply(opt, Nbd.REP_ACK, null);
            ctx.flush();
            tls = true;
            // what was negotiated in the clear does not carry over
            structured = false;
            metaContextExport = null;
        }
    }

    private Bdev servingBdev(LiveExport e) {
        if (e == null) {
            return null;
        }
        BdevDescriptor d = e.descriptor();
        return d == null ? null : d.bdev();
    }

    private void info(int opt, NbdWire.InfoRequest req) {
        LiveExport e = host.findExport(req.name());
        Bdev b = servingBdev(e);
        if (e == null) {
            optionReply(opt, Nbd.REP_ERR_UNKNOWN, req.name().isEmpty() ? "there is no default export"
                    : "no export named " + req.name());
            return;
        }
        if (b == null) {
            optionReply(opt, Nbd.REP_ERR_UNKNOWN, "export " + e.name() + " is waiting for bdev " + e.spec().bdev());
            return;
        }
        int flags = e.transmissionFlags(b);
        ByteBuf out = alloc.buffer(128);
        NbdWire.infoExport(out, opt, b.sizeBytes(), flags);
        for (int type : req.infos()) {
            switch (type) {
                case Nbd.INFO_NAME -> NbdWire.infoString(out, opt, Nbd.INFO_NAME, e.name());
                case Nbd.INFO_DESCRIPTION -> NbdWire.infoString(out, opt, Nbd.INFO_DESCRIPTION,
                        e.spec().description());
                default -> {
                    // block size is always sent below; unknown types are ignored, as the protocol says
                }
            }
        }
        NbdWire.infoBlockSize(out, opt, b.blockSize(), preferredBlockSize(b), maxBlockSize(b));
        ctx.write(out);
        if (opt == Nbd.OPT_INFO) {
            optionReply(opt, Nbd.REP_ACK, null);
            return;
        }
        if (enterTransmission(e, req.name())) {
            optionReply(opt, Nbd.REP_ACK, null);
        } else {
            optionReply(opt, Nbd.REP_ERR_UNKNOWN, "export " + e.name() + " went away");
        }
    }

    private static int preferredBlockSize(Bdev b) {
        return Math.max(4096, b.blockSize());
    }

    private int maxBlockSize(Bdev b) {
        int max = host.maxPayload();
        return max - max % b.blockSize();
    }

    private void exportName(String name) {
        LiveExport e = host.findExport(name);
        Bdev b = servingBdev(e);
        if (b == null || !enterTransmission(e, name)) {
            LOG.log(System.Logger.Level.INFO, "nbd: {0} asked for export \"{1}\", which is not served; closing",
                    channel.remoteAddress(), name);
            ctx.close();
            return;
        }
        ByteBuf out = alloc.buffer(134);
        NbdWire.exportNameReply(out, bdev.sizeBytes(), e.transmissionFlags(bdev), noZeroes);
        ctx.write(out);
    }

    private boolean enterTransmission(LiveExport e, String requestedName) {
        BdevDescriptor d = e.join(this);
        if (d == null) {
            return false;
        }
        export = e;
        descriptor = d;
        bdev = d.bdev();
        io = d.openChannel();
        blockSize = bdev.blockSize();
        alignment = Math.max(1, bdev.requiredAlignment());
        readOnly = !d.writable() || bdev.readOnly();
        blockStatus = structured && metaContextExport != null
                && (metaContextExport.equals(requestedName) || host.findExport(metaContextExport) == e);
        if (negotiationTimeout != null) {
            negotiationTimeout.cancel(false);
        }
        decoder.enterTransmission();
        LOG.log(System.Logger.Level.DEBUG, "nbd: {0} uses export {1}", channel.remoteAddress(), e.name());
        return true;
    }

    private void metaContext(int opt, NbdWire.MetaContextRequest req) {
        if (opt == Nbd.OPT_SET_META_CONTEXT && !structured) {
            optionReply(opt, Nbd.REP_ERR_INVALID, "SET_META_CONTEXT needs structured replies first");
            return;
        }
        LiveExport e = host.findExport(req.exportName());
        if (e == null) {
            optionReply(opt, Nbd.REP_ERR_UNKNOWN, "no export named " + req.exportName());
            return;
        }
        boolean selected = false;
        if (req.queries().isEmpty()) {
            selected = opt == Nbd.OPT_LIST_META_CONTEXT; // LIST with no query: everything; SET with none: nothing
        }
        for (String q : req.queries()) {
            if (q.equals(Nbd.BASE_ALLOCATION) || (opt == Nbd.OPT_LIST_META_CONTEXT && q.equals("base:"))) {
                selected = true;
            }
        }
        if (selected) {
            ByteBuf b = alloc.buffer();
            NbdWire.metaContext(b, opt, opt == Nbd.OPT_SET_META_CONTEXT ? Nbd.BASE_ALLOCATION_ID : 0,
                    Nbd.BASE_ALLOCATION);
            ctx.write(b);
        }
        if (opt == Nbd.OPT_SET_META_CONTEXT) {
            metaContextExport = selected ? req.exportName() : null;
        }
        optionReply(opt, Nbd.REP_ACK, null);
    }

    // ---- transmission -----------------------------------------------------------------------------------------------

    private void request(NbdRequest r) {
        try {
            requestCount++;
            if (disconnecting || closed) {
                return; // nothing after DISC is served
            }
            int error = check(r);
            if (error != 0) {
                errorCount++;
                reply(r.cookie, r.type, error, errorMessage(r, error));
                return;
            }
            switch (r.type) {
                case Nbd.CMD_READ -> read(r);
                case Nbd.CMD_WRITE -> write(r);
                case Nbd.CMD_FLUSH -> {
                    if (readOnly || !bdev.supports(IoType.FLUSH)) {
                        reply(r.cookie, r.type, 0, null);
                    } else {
                        io.flush(op(r));
                    }
                }
                case Nbd.CMD_TRIM -> {
                    if (r.length == 0 || !bdev.supports(IoType.UNMAP)) {
                        reply(r.cookie, r.type, 0, null); // trim is advisory
                    } else {
                        io.unmap(r.offset / blockSize, r.length / blockSize, op(r));
                    }
                }
                case Nbd.CMD_WRITE_ZEROES -> writeZeroes(r);
                case Nbd.CMD_CACHE -> reply(r.cookie, r.type, 0, null);
                case Nbd.CMD_BLOCK_STATUS -> blockStatus(r);
                case Nbd.CMD_DISC -> {
                    disconnecting = true;
                    updateReading();
                    if (outstanding == 0) {
                        ctx.flush();
                        ctx.close();
                    }
                }
                default -> throw new IllegalStateException();
            }
        } finally {
            requests.release(r);
        }
    }

    /** Validates a request before anything is submitted: 0, or the NBD error to answer. */
    private int check(NbdRequest r) {
        if ((r.flags & ~KNOWN_CMD_FLAGS) != 0) {
            return Nbd.EINVAL;
        }
        if (r.payloadDiscarded) {
            return Nbd.EOVERFLOW;
        }
        switch (r.type) {
            case Nbd.CMD_DISC, Nbd.CMD_FLUSH -> {
                return 0;
            }
            case Nbd.CMD_READ, Nbd.CMD_CACHE, Nbd.CMD_BLOCK_STATUS -> {
                if (r.type == Nbd.CMD_READ && r.length > host.maxPayload()) {
                    return structured ? Nbd.EOVERFLOW : Nbd.EINVAL;
                }
                if (r.type == Nbd.CMD_BLOCK_STATUS && (!blockStatus || r.length == 0)) {
                    return Nbd.EINVAL;
                }
                return range(r, Nbd.EINVAL);
            }
            case Nbd.CMD_WRITE, Nbd.CMD_TRIM, Nbd.CMD_WRITE_ZEROES -> {
                if (readOnly) {
                    return Nbd.EPERM;
                }
                return range(r, Nbd.ENOSPC);
            }
            default -> {
                return Nbd.EINVAL;
            }
        }
    }

    private int range(NbdRequest r, int beyondEnd) {
        long size = bdev.sizeBytes();
        if (r.offset < 0 || r.offset > size || r.length > size - r.offset) {
            return beyondEnd;
        }
        if (r.type != Nbd.CMD_CACHE && r.type != Nbd.CMD_BLOCK_STATUS
                && (r.offset % blockSize != 0 || r.length % blockSize != 0)) {
            return Nbd.EINVAL;
        }
        return 0;
    }

    private String errorMessage(NbdRequest r, int error) {
        return switch (error) {
            case Nbd.EPERM -> "export " + export.name() + " is read-only";
            case Nbd.ENOSPC -> "range " + r.offset + "+" + r.length + " beyond the end of the export ("
                    + bdev.sizeBytes() + " bytes)";
            case Nbd.EOVERFLOW -> "request of " + r.length + " bytes is larger than the maximum of "
                    + host.maxPayload();
            default -> Nbd.commandName(r.type) + " " + r.offset + "+" + r.length + ": invalid request (flags,"
                    + " range, alignment to " + blockSize + " bytes, or an unnegotiated command)";
        };
    }

    private void read(NbdRequest r) {
        int len = (int) r.length;
        if (len == 0) {
            reply(r.cookie, r.type, 0, null);
            return;
        }
        int header = structured ? Nbd.STRUCTURED_REPLY_HEADER + 8 : Nbd.SIMPLE_REPLY_HEADER;
        ByteBuf buf = alloc.directBuffer(header + len);
        if (structured) {
            NbdWire.structuredHeader(buf, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_OFFSET_DATA, r.cookie, 8 + len);
            buf.writeLong(r.offset);
        } else {
            NbdWire.simpleReply(buf, 0, r.cookie);
        }
        Op op = op(r);
        ByteBuffer target = buf.nioBuffer(header, len);
        if (alignment > 1 && !aligned(target)) {
            // the device needs aligned memory: read into an aligned buffer, sent after the header
            ByteBuf data = alignedBuffer(len);
            op.reply = alloc.compositeDirectBuffer(2).addComponent(true, buf).addComponent(true, data);
            io.read(data.nioBuffer(0, len), r.offset / blockSize, len / blockSize, op);
            return;
        }
        op.reply = buf;
        op.replyLength = header + len;
        io.read(target, r.offset / blockSize, len / blockSize, op);
    }

    private void write(NbdRequest r) {
        int len = (int) r.length;
        if (len == 0) {
            reply(r.cookie, r.type, 0, null);
            return;
        }
        ByteBuf payload = r.payload;
        r.payload = null;
        Op op = op(r);
        op.payload = payload;
        int flags = (r.flags & Nbd.CMD_FLAG_FUA) != 0 ? IoChannel.FUA : 0;
        long lba = r.offset / blockSize;
        long blocks = len / blockSize;
        writtenBytes += len;
        if (payload.nioBufferCount() == 1) {
            ByteBuffer b = payload.nioBuffer();
            if (alignment > 1 && !aligned(b)) {
                ByteBuf copy = alignedBuffer(len);
                copy.writerIndex(0).writeBytes(payload);
                payload.release();
                op.payload = copy;
                b = copy.nioBuffer(0, len);
            }
            io.write(b, lba, blocks, flags, op);
        } else {
            ByteBuffer[] iov = payload.nioBuffers();
            if (alignment > 1) {
                ByteBuf copy = alignedBuffer(len);
                copy.writerIndex(0).writeBytes(payload);
                payload.release();
                op.payload = copy;
                io.write(copy.nioBuffer(0, len), lba, blocks, flags, op);
                return;
            }
            io.submit(IoType.WRITE, lba, blocks, iov, null, flags, op);
        }
    }

    private void writeZeroes(NbdRequest r) {
        if (r.length == 0) {
            reply(r.cookie, r.type, 0, null);
            return;
        }
        long lba = r.offset / blockSize;
        long blocks = r.length / blockSize;
        if (bdev.supports(IoType.WRITE_ZEROES)) {
            io.writeZeroes(lba, blocks, op(r));
        } else if ((r.flags & Nbd.CMD_FLAG_FAST_ZERO) != 0) {
            errorCount++;
            reply(r.cookie, r.type, Nbd.ENOTSUP, "zeroing is not faster than writing on this bdev");
        } else if (r.length > host.maxPayload()) {
            errorCount++;
            reply(r.cookie, r.type, Nbd.EINVAL, "zeroing of more than " + host.maxPayload()
                    + " bytes at once needs a bdev that zeroes natively");
        } else {
            int len = (int) r.length;
            ByteBuf zeroes = alignedBuffer(len);
            zeroes.setZero(0, len);
            Op op = op(r);
            op.payload = zeroes;
            io.write(zeroes.nioBuffer(0, len), lba, blocks, 0, op);
        }
    }

    private void blockStatus(NbdRequest r) {
        // the bdev layer reports no allocation map: every block is data
        long length = Math.min(r.length, 0xffffffffL - (0xffffffffL % blockSize));
        ByteBuf b = alloc.buffer(Nbd.STRUCTURED_REPLY_HEADER + 12);
        NbdWire.blockStatus(b, r.cookie, Nbd.BASE_ALLOCATION_ID, new long[] {length, 0});
        write(b);
    }

    private boolean aligned(ByteBuffer b) {
        return b.isDirect() && b.alignmentOffset(0, alignment) == 0;
    }

    /** A direct buffer of {@code len} bytes whose memory starts on the device's alignment. */
    private ByteBuf alignedBuffer(int len) {
        ByteBuf raw = alloc.directBuffer(len + alignment);
        ByteBuffer nio = raw.nioBuffer(0, len + alignment);
        int off = nio.alignmentOffset(0, alignment);
        int skip = off == 0 ? 0 : alignment - off;
        ByteBuf slice = raw.slice(skip, len);
        slice.writerIndex(len);
        return slice;
    }

    // ---- replies ----------------------------------------------------------------------------------------------------

    private void reply(long cookie, int type, int error, String message) {
        ByteBuf b;
        if (!structured) {
            b = alloc.buffer(Nbd.SIMPLE_REPLY_HEADER);
            NbdWire.simpleReply(b, error, cookie);
        } else if (error == 0) {
            b = alloc.buffer(Nbd.STRUCTURED_REPLY_HEADER);
            NbdWire.structuredHeader(b, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, cookie, 0);
        } else {
            b = alloc.buffer(64);
            NbdWire.structuredError(b, cookie, error, message);
        }
        write(b);
    }

    private void write(ByteBuf b) {
        if (closed) {
            b.release();
            return;
        }
        ctx.write(b, ctx.voidPromise());
        if (!inRead && !flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void scheduledFlush() {
        flushScheduled = false;
        if (!closed) {
            ctx.flush();
        }
    }

    static int errno(IoStatus s) {
        return switch (s) {
            case SUCCESS -> 0;
            case NO_SPACE -> Nbd.ENOSPC;
            case NO_MEMORY -> Nbd.ENOMEM;
            case OUT_OF_RANGE, MISALIGNED, INVALID -> Nbd.EINVAL;
            case UNSUPPORTED -> Nbd.ENOTSUP;
            case READ_ONLY -> Nbd.EPERM;
            case REMOVED, ABORTED -> Nbd.ESHUTDOWN;
            default -> Nbd.EIO;
        };
    }

    private Op op(NbdRequest r) {
        Op op = ops.pollFirst();
        if (op == null) {
            op = new Op();
        }
        op.cookie = r.cookie;
        op.type = r.type;
        op.length = r.length;
        outstanding++;
        if (outstanding >= host.maxOutstanding()) {
            updateReading();
        }
        return op;
    }

    /** An I/O in flight: the completion callback, reused. */
    private final class Op implements IoCallback, Runnable {
        long cookie;
        int type;
        long length;
        ByteBuf reply;
        int replyLength;
        ByteBuf payload;
        IoStatus status;

        @Override
        public void ioComplete(IoStatus s) {
            if (channel.eventLoop().inEventLoop()) {
                complete(s);
            } else {
                status = s;
                channel.eventLoop().execute(this);
            }
        }

        @Override
        public void run() {
            complete(status);
        }

        private void complete(IoStatus s) {
            if (payload != null) {
                payload.release();
                payload = null;
            }
            ByteBuf r = reply;
            reply = null;
            long c = cookie;
            int t = type;
            int rl = replyLength;
            outstanding--;
            ops.addFirst(this);
            if (s == IoStatus.SUCCESS && r != null) {
                if (rl > 0) {
                    r.writerIndex(rl);
                }
                readBytes += length;
                write(r);
            } else {
                if (r != null) {
                    r.release();
                }
                if (s != IoStatus.SUCCESS) {
                    errorCount++;
                }
                reply(c, t, errno(s), s.description());
            }
            replyLength = 0;
            afterCompletion();
        }
    }

    private void afterCompletion() {
        if (closed) {
            releaseIfDrained();
            return;
        }
        if (disconnecting) {
            if (outstanding == 0) {
                ctx.flush();
                ctx.close();
            }
            return;
        }
        if (readingPaused && outstanding < host.maxOutstanding() / 2) {
            updateReading();
        }
    }

    // ---- management ------------------------------------------------------------------------------------------------

    long id() {
        return id;
    }

    LiveExport export() {
        return export;
    }

    NbdConnectionInfo info() {
        LiveExport e = export;
        return new NbdConnectionInfo(id, String.valueOf(channel == null ? "?" : channel.remoteAddress()),
                e == null ? "" : e.name(), e == null ? "negotiation" : "transmission", tls, structured, since,
                requestCount, readBytes, writtenBytes, errorCount, outstanding);
    }

    /** For tests: the names of options this session understands. */
    static List<Integer> supportedOptions() {
        return List.of(Nbd.OPT_EXPORT_NAME, Nbd.OPT_ABORT, Nbd.OPT_LIST, Nbd.OPT_STARTTLS, Nbd.OPT_INFO, Nbd.OPT_GO,
                Nbd.OPT_STRUCTURED_REPLY, Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT);
    }
}
