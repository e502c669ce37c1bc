package io.karst.iscsi.internal;

import io.karst.bdev.IoChannel;
import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.internal.login.Login;
import io.karst.iscsi.internal.login.LoginException;
import io.karst.iscsi.internal.login.SessionParams;
import io.karst.iscsi.internal.login.TextKeys;
import io.karst.iscsi.internal.pdu.Opcode;
import io.karst.iscsi.internal.pdu.Pdu;
import io.karst.iscsi.internal.pdu.PduDecoder;
import io.karst.iscsi.internal.pdu.PduException;
import io.karst.iscsi.internal.pdu.PduWriter;
import io.karst.scsi.Opcodes;
import io.karst.scsi.ScsiNexus;
import io.karst.scsi.ScsiReports;
import io.karst.scsi.ScsiStatus;
import io.karst.scsi.ScsiTask;
import io.karst.scsi.Sense;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One iSCSI connection, from login to close (RFC 7143): login phase through {@link Login}, then the full feature
 * phase: SCSI commands with immediate, unsolicited and R2T-solicited data, Data-In with status collapse, residuals,
 * NOP-In/Out, text requests (SendTargets), task management, logout. Karst negotiates MaxConnections=1, so the
 * connection carries the whole session state. Everything runs on the connection's event loop; bdev completions
 * from other threads come back to it.
 */
final class IscsiConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(IscsiConnection.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int RESERVED = 0xFFFFFFFF;
    private static final Sense INVALID_FIELD_IN_IU = new Sense(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);
    private static final Sense DATA_PHASE_ERROR = new Sense(Sense.ABORTED_COMMAND, 0x4B, 0x00);
    private static final Sense DATA_OFFSET_ERROR = new Sense(Sense.ABORTED_COMMAND, 0x4B, 0x05);
    private static final Sense TOO_MUCH_WRITE_DATA = new Sense(Sense.ABORTED_COMMAND, 0x4B, 0x02);

    private enum Phase { LOGIN, FULL_FEATURE, LOGGING_OUT, CLOSED }

    final int id = IDS.incrementAndGet();
    private final TargetRegistry registry;
    private final int portalGroupTag;
    private final String portal;
    private final PduDecoder decoder;
    private final PduWriter writer = new PduWriter();
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.LOGIN;
    private Login login;
    private boolean loginStarted;
    private SessionParams params = new SessionParams();
    private boolean discovery;
    private String initiatorName = "";
    private String initiatorAddress = "";
    private String chapUser;
    private long isid;
    private int tsih;
    private int cid;
    private TargetNode target;
    private ScsiNexus nexus;
    private int statSN;
    private int expCmdSN;
    private int cmdWindowBase;
    private int completedCommands;
    private int queueDepth = 1;
    private final IntObjectMap<Command> tasks = new IntObjectHashMap<>();
    private final IntObjectMap<Command> r2ts = new IntObjectHashMap<>();
    private final IntObjectMap<IoChannel> channels = new IntObjectHashMap<>();
    private final ArrayDeque<Command> pool = new ArrayDeque<>();
    private int nextTtt = 1;
    private boolean inRead;
    private boolean needFlush;
    private int logoutItt = -1;
    private boolean logoutPending;
    private byte[] textPending;
    private int textTtt;
    private int nopTtt;
    private boolean nopOutstanding;
    private volatile long commandCount;
    private volatile int outstanding;
    /** Data-in and data-out bytes the connection's commands may hold at once (see scsiCommand). */
    static final long MAX_BUFFERED_BYTES = 256L << 20;
    private long bufferedBytes;
    private final Runnable flusher = this::flushIfNeeded;

    IscsiConnection(TargetRegistry registry, int portalGroupTag, String portal, PduDecoder decoder) {
        this.registry = registry;
        this.portalGroupTag = portalGroupTag;
        this.portal = portal;
        this.decoder = decoder;
    }

    // ------------------------------------------------------------------------------------------------ channel

    @Override
    public void channelActive(ChannelHandlerContext c) {
        this.ctx = c;
        if (c.channel().remoteAddress() instanceof InetSocketAddress a) {
            initiatorAddress = a.getAddress().getHostAddress();
        }
        login = new Login(new ConnectionDirectory(), registry.limits());
        registry.connectionOpened(this);
        c.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        Pdu pdu = (Pdu) msg;
        inRead = true;
        try {
            switch (phase) {
                case LOGIN -> loginPdu(pdu);
                case FULL_FEATURE, LOGGING_OUT -> fullFeaturePdu(pdu);
                default -> { }
            }
        } catch (PduException e) {
            protocolError(e.getMessage(), pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "iSCSI connection " + id + " from " + initiatorAddress
                    + ": internal error on " + pdu, e);
            protocolError("internal error", pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
        } finally {
            pdu.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        inRead = false;
        flushIfNeeded();
        c.fireChannelReadComplete();
    }

    private void flushIfNeeded() {
        if (needFlush) {
            needFlush = false;
            ctx.flush();
        }
    }

    private void flushSoon() {
        if (!inRead) {
            needFlush = false;
            ctx.flush();
        } else {
            needFlush = true;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (phase != Phase.FULL_FEATURE) {
                if (phase == Phase.LOGIN) {
                    LOG.log(System.Logger.Level.INFO, "iSCSI connection {0} from {1}: login timed out", id,
                            initiatorAddress);
                    c.close();
                }
                return;
            }
            if (nopOutstanding) {
                LOG.log(System.Logger.Level.WARNING, "iSCSI connection {0} from {1} ({2}): no answer to NOP-In, "
                        + "closing", id, initiatorAddress, initiatorName);
                c.close();
                return;
            }
            nopOutstanding = true;
            nopTtt = nextTtt();
            ByteBuf h = writer.header(c.alloc(), Opcode.NOP_IN);
            h.setByte(1, 0x80);
            h.setInt(16, RESERVED);
            h.setInt(20, nopTtt);
            h.setInt(24, statSN); // not advanced: no reply of ours is being acknowledged
            setWindow(h);
            writer.write(c, h, null);
            c.flush();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (cause instanceof PduException pe) {
            LOG.log(System.Logger.Level.WARNING, "iSCSI connection {0} from {1}: {2}; closing", id,
                    initiatorAddress, pe.getMessage());
            if (pe.kind() == PduException.Kind.DATA_DIGEST && pe.bhs() != null && phase == Phase.FULL_FEATURE) {
                reject(pe.bhs(), Opcode.REJECT_DATA_DIGEST_ERROR);
            }
            c.flush();
            c.close();
            return;
        }
        if (cause instanceof java.io.IOException) {
            LOG.log(System.Logger.Level.DEBUG, "iSCSI connection {0}: {1}", id, cause.getMessage());
        } else {
            LOG.log(System.Logger.Level.WARNING, "iSCSI connection " + id + " failed", cause);
        }
        c.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        Phase was = phase;
        phase = Phase.CLOSED;
        // commands at the bdev finish later and release their buffers then; others are dropped now
        for (Command cmd : new ArrayList<>(tasks.values())) {
            cmd.aborted = true;
            if (!cmd.executing) {
                cmd.recycle();
            }
        }
        tasks.clear();
        r2ts.clear();
        if (was == Phase.FULL_FEATURE || was == Phase.LOGGING_OUT) {
            registry.sessionEnded(this);
        }
        closeChannelsIfIdle();
        registry.connectionClosed(this);
        c.fireChannelInactive();
    }

    private void closeChannelsIfIdle() {
        if (outstanding == 0) {
            for (IoChannel ch : channels.values()) {
                ch.close();
            }
            channels.clear();
        }
    }

    private void protocolError(String message, byte[] bhs, int reason) {
        LOG.log(System.Logger.Level.WARNING, "iSCSI connection {0} from {1}: {2}; closing", id, initiatorAddress,
                message);
        if (phase == Phase.FULL_FEATURE && bhs != null) {
            reject(bhs, reason);
        }
        ctx.flush();
        ctx.close();
    }

    // ------------------------------------------------------------------------------------------------ login

    private void loginPdu(Pdu pdu) {
        if (pdu.opcode() != Opcode.LOGIN_REQUEST) {
            LOG.log(System.Logger.Level.WARNING, "iSCSI connection {0} from {1}: {2} before login; closing", id,
                    initiatorAddress, Opcode.name(pdu.opcode()));
            loginReject(pdu, LoginException.INVALID_DURING_LOGIN);
            return;
        }
        byte[] b = pdu.bhs();
        int flags = b[1] & 0xFF;
        boolean transit = (flags & 0x80) != 0;
        boolean cont = (flags & 0x40) != 0;
        int csg = (flags >>> 2) & 0x03;
        int nsg = flags & 0x03;
        long reqIsid = pdu.u64(8) >>> 16;
        int reqTsih = pdu.u16(14);
        byte[] keys = new byte[pdu.data().readableBytes()];
        pdu.data().getBytes(pdu.data().readerIndex(), keys);
        if (!loginStarted) {
            loginStarted = true;
            expCmdSN = pdu.field24();
            cmdWindowBase = expCmdSN;
            statSN = pdu.field28();
        }
        isid = reqIsid;
        cid = pdu.u16(20);
        Login.Response r;
        try {
            r = login.process(new Login.Request(transit, cont, csg, nsg, b[2] & 0xFF, b[3] & 0xFF, keys));
            if (r.complete()) {
                completeLogin(reqTsih);
            }
        } catch (LoginException e) {
            LOG.log(System.Logger.Level.INFO, "iSCSI login from {0} ({1}) to {2} refused: {3}", initiatorAddress,
                    login.initiatorName() == null ? "?" : login.initiatorName(),
                    login.targetName() == null ? "discovery" : login.targetName(), e.getMessage());
            loginResponse(pdu, false, csg, 0, new byte[0], e.statusClass(), e.statusDetail());
            ctx.flush();
            ctx.close();
            return;
        }
        loginResponse(pdu, r.transit(), r.csg(), r.nsg(), r.keys(), 0, 0);
        if (r.complete()) {
            enterFullFeature();
        }
        ctx.flush();
    }

    private void completeLogin(int reqTsih) throws LoginException {
        params = login.params();
        discovery = login.discovery();
        initiatorName = login.initiatorName();
        chapUser = login.chapUser();
        if (reqTsih != 0) {
            // a connection for an existing session: MaxConnections is 1
            throw new LoginException(registry.sessionExists(reqTsih) ? LoginException.TOO_MANY_CONNECTIONS
                    : LoginException.SESSION_DOES_NOT_EXIST, "adding a connection to session " + reqTsih);
        }
        if (!discovery) {
            target = registry.target(login.targetName());
            if (target == null) {
                throw new LoginException(LoginException.TARGET_REMOVED, "target " + login.targetName() + " removed");
            }
            queueDepth = Math.min(target.config().queueDepth(), registry.options().maxQueueDepth());
            nexus = new ScsiNexus(initiatorName + ",i,0x" + String.format("%012x", isid),
                    target.name() + ",t,0x" + String.format("%04x", portalGroupTag), portalGroupTag);
        }
        tsih = registry.sessionStarted(this); // reinstates (closes) an older session of the same nexus
    }

    private void enterFullFeature() {
        phase = Phase.FULL_FEATURE;
        decoder.configure(params.headerDigest, params.dataDigest, params.targetMaxRecvDataSegmentLength);
        writer.configure(params.headerDigest, params.dataDigest);
        LOG.log(System.Logger.Level.INFO, "iSCSI {0} session {1} of {2} from {3}{4}: {5}",
                discovery ? "discovery" : "normal", tsih, initiatorName, initiatorAddress,
                discovery ? "" : " to " + target.name(), params);
    }

    private void loginResponse(Pdu req, boolean transit, int csg, int nsg, byte[] keys, int statusClass,
                               int statusDetail) {
        ByteBuf h = writer.header(ctx.alloc(), Opcode.LOGIN_RESPONSE);
        int flags = (transit ? 0x80 : 0) | (csg << 2) | (transit ? nsg : 0);
        h.setByte(1, flags);
        h.setByte(2, 0);
        h.setByte(3, 0);
        h.setBytes(8, req.bhs(), 8, 6); // ISID
        h.setShort(14, statusClass == 0 && transit && nsg == Login.STAGE_FULL_FEATURE ? tsih : 0);
        h.setInt(16, req.itt());
        h.setInt(24, statSN++);
        h.setInt(28, expCmdSN);
        h.setInt(32, expCmdSN + Math.max(queueDepth, 1) - 1);
        h.setByte(36, statusClass);
        h.setByte(37, statusDetail);
        writer.write(ctx, h, keys.length == 0 ? null : Unpooled.wrappedBuffer(keys));
    }

    private void loginReject(Pdu req, int status) {
        loginResponse(req, false, 0, 0, new byte[0], status >>> 8, status & 0xFF);
        ctx.flush();
        ctx.close();
    }

    // ------------------------------------------------------------------------------------------------ full feature

    private void fullFeaturePdu(Pdu pdu) {
        int op = pdu.opcode();
        if (discovery && op != Opcode.TEXT_REQUEST && op != Opcode.LOGOUT_REQUEST && op != Opcode.NOP_OUT) {
            protocolError(Opcode.name(op) + " in a discovery session", pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
            return;
        }
        switch (op) {
            case Opcode.SCSI_COMMAND -> scsiCommand(pdu);
            case Opcode.DATA_OUT -> dataOut(pdu);
            case Opcode.NOP_OUT -> nopOut(pdu);
            case Opcode.TEXT_REQUEST -> text(pdu);
            case Opcode.TASK_MGMT_REQUEST -> taskManagement(pdu);
            case Opcode.LOGOUT_REQUEST -> logout(pdu);
            case Opcode.LOGIN_REQUEST -> protocolError("Login Request in full feature phase", pdu.bhs(),
                    Opcode.REJECT_PROTOCOL_ERROR);
            case Opcode.SNACK_REQUEST -> {
                reject(pdu.bhs(), Opcode.REJECT_COMMAND_NOT_SUPPORTED); // ErrorRecoveryLevel 0
                flushSoon();
            }
            default -> protocolError("unexpected " + Opcode.name(op), pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
        }
    }

    /** Checks CmdSN against the window and advances ExpCmdSN; false when the PDU must be ignored. */
    private boolean acceptCmdSN(Pdu pdu) {
        int cmdSN = pdu.field24();
        if (pdu.immediate()) {
            return true;
        }
        int max = maxCmdSN();
        if (cmdSN == expCmdSN) {
            expCmdSN++;
            return true;
        }
        // out of order or outside the window: RFC 7143 4.2.2.1 says silently ignore
        LOG.log(System.Logger.Level.DEBUG, "iSCSI connection {0}: CmdSN {1} outside [{2}, {3}], ignored", id,
                Integer.toUnsignedString(cmdSN), Integer.toUnsignedString(expCmdSN), Integer.toUnsignedString(max));
        return false;
    }

    private int maxCmdSN() {
        return cmdWindowBase + completedCommands + queueDepth - 1;
    }

    private void setWindow(ByteBuf h) {
        h.setInt(28, expCmdSN);
        h.setInt(32, maxCmdSN());
    }

    private void nopOut(Pdu pdu) {
        int itt = pdu.itt();
        if (itt == RESERVED) {
            // answer to our NOP-In
            if (pdu.field20() == nopTtt) {
                nopOutstanding = false;
            }
            return;
        }
        nopOutstanding = false;
        if (!acceptCmdSN(pdu)) {
            return;
        }
        if (!pdu.immediate()) {
            completedCommands++;
        }
        ByteBuf h = writer.header(ctx.alloc(), Opcode.NOP_IN);
        h.setByte(1, 0x80);
        h.setLong(8, pdu.lun());
        h.setInt(16, itt);
        h.setInt(20, RESERVED);
        h.setInt(24, statSN++);
        setWindow(h);
        int len = Math.min(pdu.data().readableBytes(), params.initiatorMaxRecvDataSegmentLength);
        writer.write(ctx, h, len == 0 ? null : pdu.data().retainedSlice(pdu.data().readerIndex(), len));
        flushSoon();
    }

    // ------------------------------------------------------------------------------------------------ SCSI

    private void scsiCommand(Pdu pdu) {
        int itt = pdu.itt();
        if (tasks.containsKey(itt)) {
            reject(pdu.bhs(), Opcode.REJECT_TASK_IN_PROGRESS);
            flushSoon();
            return;
        }
        if (!acceptCmdSN(pdu)) {
            return;
        }
        commandCount++;
        Command cmd = obtain();
        cmd.itt = itt;
        cmd.immediate = pdu.immediate();
        cmd.lunField = pdu.lun();
        cmd.lunNumber = ScsiReports.decodeLun(pdu.lun());
        int flags = pdu.flags();
        cmd.read = (flags & 0x40) != 0;
        cmd.write = (flags & 0x20) != 0;
        cmd.edtl = pdu.field20() & 0xFFFFFFFFL;
        System.arraycopy(pdu.bhs(), 32, cmd.cdb, 0, 16);
        tasks.put(itt, cmd);
        outstanding++;
        cmd.binding = target.lun(cmd.lunNumber);
        // bound the data buffered per connection: beyond it, the initiator is told to retry (TASK SET FULL)
        long need = cmd.read || cmd.write ? Math.min(cmd.edtl, registry.maxTransferBytes()) : 0;
        if (need > 0 && bufferedBytes + need > MAX_BUFFERED_BYTES && outstanding > 1) {
            cmd.read = false;
            cmd.write = false;
            cmd.finish(ScsiStatus.TASK_SET_FULL, null, null, 0);
            return;
        }
        cmd.buffered = need;
        bufferedBytes += need;
        if (pdu.totalAhsLength() > 0) {
            cmd.fail(Sense.INVALID_FIELD_IN_CDB); // extended CDBs: no command needs one
            drainUnsolicited(cmd, pdu);
            return;
        }
        int immediateLength = pdu.data().readableBytes();
        if (!cmd.write) {
            if (immediateLength > 0) {
                protocolError("data with a command that is not a write", pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
                return;
            }
            execute(cmd);
            return;
        }
        // write: gather immediate, unsolicited and solicited data up to EDTL, then execute
        if (immediateLength > 0 && !params.immediateData) {
            protocolError("immediate data without ImmediateData=Yes", pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
            return;
        }
        if (immediateLength > params.firstBurstLength || immediateLength > cmd.edtl) {
            protocolError("immediate data beyond FirstBurstLength or EDTL", pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
            return;
        }
        long limit = registry.maxTransferBytes();
        if (cmd.edtl > limit) {
            cmd.fail(INVALID_FIELD_IN_IU);
            drainUnsolicited(cmd, pdu);
            return;
        }
        int edtl = (int) cmd.edtl;
        if (immediateLength == edtl && pdu.data().nioBufferCount() == 1) {
            cmd.outBuf = pdu.data().retainedSlice(); // all data came with the command: no copy
        } else {
            cmd.outBuf = ctx.alloc().directBuffer(Math.max(edtl, 1));
            if (immediateLength > 0) {
                cmd.outBuf.setBytes(0, pdu.data(), pdu.data().readerIndex(), immediateLength);
            }
        }
        cmd.received = immediateLength;
        boolean finalBit = pdu.finalBit();
        cmd.unsolicitedEnd = params.initialR2T || finalBit ? immediateLength
                : (int) Math.min(params.firstBurstLength, cmd.edtl);
        cmd.unsolicitedReceived = immediateLength;
        cmd.nextR2tOffset = cmd.unsolicitedEnd;
        if (cmd.received >= edtl) {
            execute(cmd);
            return;
        }
        sendR2ts(cmd);
        flushSoon();
    }

    /** A failed write whose unsolicited data may still arrive: remember that its ITT's Data-Out is to be dropped. */
    private void drainUnsolicited(Command cmd, Pdu pdu) {
        // the response went out with cmd.fail(); Data-Out PDUs with this ITT that follow are dropped silently
    }

    private void sendR2ts(Command cmd) {
        int edtl = (int) cmd.edtl;
        while (cmd.outstandingR2ts < params.maxOutstandingR2T && cmd.nextR2tOffset < edtl) {
            int offset = cmd.nextR2tOffset;
            int length = Math.min(params.maxBurstLength, edtl - offset);
            int ttt = nextTtt();
            cmd.nextR2tOffset += length;
            cmd.outstandingR2ts++;
            R2tState r = cmd.addR2t(ttt, offset, length);
            r2ts.put(ttt, cmd);
            ByteBuf h = writer.header(ctx.alloc(), Opcode.R2T);
            h.setByte(1, 0x80);
            h.setLong(8, cmd.lunField);
            h.setInt(16, cmd.itt);
            h.setInt(20, ttt);
            h.setInt(24, statSN);
            setWindow(h);
            h.setInt(36, r.r2tsn);
            h.setInt(40, offset);
            h.setInt(44, length);
            writer.write(ctx, h, null);
        }
    }

    private int nextTtt() {
        int t = nextTtt++;
        if (nextTtt == RESERVED || nextTtt == 0) {
            nextTtt = 1;
        }
        return t;
    }

    private void dataOut(Pdu pdu) {
        int itt = pdu.itt();
        int ttt = pdu.field20();
        Command cmd = tasks.get(itt);
        if (cmd == null || cmd.outBuf == null || cmd.executing || cmd.responded) {
            return; // a command that already failed or was aborted: its data is dropped
        }
        int length = pdu.data().readableBytes();
        int offset = pdu.field40();
        int dataSN = pdu.field36();
        R2tState r = null;
        if (ttt == RESERVED) {
            // unsolicited data
            if (offset != cmd.unsolicitedReceived || offset + length > cmd.unsolicitedEnd
                    || dataSN != cmd.unsolicitedDataSN) {
                cmd.failData(offset + length > cmd.unsolicitedEnd ? TOO_MUCH_WRITE_DATA : DATA_PHASE_ERROR);
                return;
            }
            cmd.unsolicitedDataSN++;
            cmd.unsolicitedReceived += length;
        } else {
            r = cmd.r2t(ttt);
            if (r == null || r2ts.get(ttt) != cmd) {
                cmd.failData(new Sense(Sense.ABORTED_COMMAND, 0x4B, 0x01)); // invalid target transfer tag
                return;
            }
            if (dataSN != r.nextDataSN) {
                cmd.failData(DATA_PHASE_ERROR);
                return;
            }
            if (offset != r.offset + r.received || r.received + length > r.length) {
                cmd.failData(r.received + length > r.length ? TOO_MUCH_WRITE_DATA : DATA_OFFSET_ERROR);
                return;
            }
            r.nextDataSN++;
            r.received += length;
        }
        if (length > 0) {
            cmd.outBuf.setBytes(offset, pdu.data(), pdu.data().readerIndex(), length);
        }
        cmd.received += length;
        if (r != null && r.received == r.length) {
            if (!pdu.finalBit()) {
                // the burst is complete; the F bit should have been set, accept anyway
                LOG.log(System.Logger.Level.DEBUG, "iSCSI connection {0}: burst complete without F bit", id);
            }
            r2ts.remove(ttt);
            cmd.removeR2t(r);
            cmd.outstandingR2ts--;
        } else if (pdu.finalBit() && r != null) {
            cmd.failData(DATA_PHASE_ERROR); // F bit before the burst's data was all there
            return;
        }
        if (cmd.received == cmd.edtl) {
            execute(cmd);
        } else {
            sendR2ts(cmd);
            flushSoon();
        }
    }

    private void execute(Command cmd) {
        int op = cmd.cdb[0] & 0xFF;
        LunBinding b = cmd.binding;
        if (op == Opcodes.REPORT_LUNS) {
            reportLuns(cmd);
            return;
        }
        if (b == null || b.removed()) {
            if (op == Opcodes.INQUIRY) {
                byte[] d = ScsiReports.inquiryNoLun();
                int alloc = ((cmd.cdb[3] & 0xFF) << 8) | (cmd.cdb[4] & 0xFF);
                if ((cmd.cdb[1] & 0x01) != 0 || cmd.cdb[2] != 0) {
                    cmd.fail(Sense.LUN_NOT_SUPPORTED);
                    return;
                }
                int n = Math.min(d.length, alloc);
                cmd.dataInBuffer(n).put(0, d, 0, n);
                cmd.finish(ScsiStatus.GOOD, null, null, n);
                return;
            }
            if (op == Opcodes.REQUEST_SENSE) {
                byte[] d = Sense.LUN_NOT_SUPPORTED.fixedFormat();
                int n = Math.min(d.length, cmd.cdb[4] & 0xFF);
                cmd.dataInBuffer(n).put(0, d, 0, n);
                cmd.finish(ScsiStatus.GOOD, null, null, n);
                return;
            }
            cmd.fail(Sense.LUN_NOT_SUPPORTED);
            return;
        }
        IoChannel ch = channels.get(cmd.lunNumber);
        if (ch == null || ch.descriptor() != b.descriptor) {
            if (ch != null) {
                ch.close();
            }
            ch = b.descriptor.openChannel();
            channels.put(cmd.lunNumber, ch);
        }
        cmd.channel = ch;
        if (cmd.outBuf != null) {
            cmd.outNio = cmd.outBuf.nioBuffer(cmd.outBuf.readerIndex(), (int) cmd.edtl);
        }
        cmd.executing = true;
        b.scsi.execute(cmd);
    }

    private void reportLuns(Command cmd) {
        long alloc = ((cmd.cdb[6] & 0xFFL) << 24) | ((cmd.cdb[7] & 0xFF) << 16) | ((cmd.cdb[8] & 0xFF) << 8)
                | (cmd.cdb[9] & 0xFF);
        int select = cmd.cdb[2] & 0xFF;
        if (alloc < 16 || (select != 0 && select != 1 && select != 2)) {
            cmd.fail(Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        List<Integer> luns = new ArrayList<>();
        for (LunBinding b : target.luns().values()) {
            if (!b.removed()) {
                luns.add(b.lun);
            }
        }
        byte[] d = ScsiReports.reportLuns(select == 1 ? List.of() : luns);
        int n = (int) Math.min(d.length, alloc);
        cmd.dataInBuffer(n).put(0, d, 0, n);
        cmd.finish(ScsiStatus.GOOD, null, null, n);
    }

    /** Sends a finished command's data and status; on the event loop. */
    private void respond(Command cmd) {
        if (cmd.aborted || phase == Phase.CLOSED) {
            cmd.recycle();
            afterCommand(cmd);
            return;
        }
        long edtl = cmd.edtl;
        int status = cmd.status;
        long spdtl;
        boolean dataIn = cmd.read && cmd.inBuf != null;
        if (cmd.read) {
            spdtl = cmd.dataInLength;
        } else if (cmd.write) {
            spdtl = cmd.binding == null ? edtl : Opcodes.dataOutLength(cmd.cdb, cmd.binding.scsi.bdev().blockSize());
        } else {
            spdtl = 0;
        }
        int flagsResidual = 0;
        long residual = 0;
        if (spdtl > edtl) {
            flagsResidual = 0x04; // overflow
            residual = spdtl - edtl;
        } else if (spdtl < edtl) {
            flagsResidual = 0x02; // underflow
            residual = edtl - spdtl;
        }
        if (!cmd.read && !cmd.write) {
            flagsResidual = 0;
            residual = 0;
        }
        int send = dataIn ? (int) Math.min(cmd.dataInLength, edtl) : 0;
        boolean collapse = status == ScsiStatus.GOOD && cmd.senseBytes == null && send > 0;
        if (send > 0) {
            int mrdsl = params.initiatorMaxRecvDataSegmentLength;
            int burst = params.maxBurstLength;
            int offset = 0;
            int dataSN = 0;
            int inBurst = 0;
            while (offset < send) {
                int len = Math.min(Math.min(mrdsl, send - offset), burst - inBurst);
                boolean last = offset + len == send;
                boolean endOfBurst = last || inBurst + len == burst;
                ByteBuf h = writer.header(ctx.alloc(), Opcode.DATA_IN);
                int f = endOfBurst ? 0x80 : 0;
                if (last && collapse) {
                    f |= 0x01 | flagsResidual;
                    h.setByte(3, status);
                    h.setInt(24, statSN++);
                    h.setInt(44, (int) residual);
                }
                h.setByte(1, f);
                h.setLong(8, cmd.lunField);
                h.setInt(16, cmd.itt);
                h.setInt(20, RESERVED);
                setWindowAfter(h, cmd, last && collapse);
                h.setInt(36, dataSN++);
                h.setInt(40, offset);
                writer.write(ctx, h, cmd.inBuf.retainedSlice(offset, len));
                offset += len;
                inBurst = endOfBurst ? 0 : inBurst + len;
            }
        }
        if (!collapse) {
            ByteBuf h = writer.header(ctx.alloc(), Opcode.SCSI_RESPONSE);
            h.setByte(1, 0x80 | flagsResidual);
            h.setByte(2, 0); // command completed at target
            h.setByte(3, status);
            h.setInt(16, cmd.itt);
            h.setInt(24, statSN++);
            setWindowAfter(h, cmd, true);
            h.setInt(36, 0);
            h.setInt(44, (int) residual);
            ByteBuf data = null;
            if (cmd.senseBytes != null) {
                data = ctx.alloc().ioBuffer(2 + cmd.senseBytes.length);
                data.writeShort(cmd.senseBytes.length);
                data.writeBytes(cmd.senseBytes);
            }
            writer.write(ctx, h, data);
        }
        cmd.recycle();
        afterCommand(cmd);
        flushSoon();
    }

    /** Window fields of a PDU that ends a command: the command's slot is free from now on. */
    private void setWindowAfter(ByteBuf h, Command cmd, boolean ends) {
        if (ends && !cmd.immediate && !cmd.slotFreed) {
            cmd.slotFreed = true;
            completedCommands++;
        }
        setWindow(h);
    }

    private void afterCommand(Command cmd) {
        if (!cmd.immediate && !cmd.slotFreed) {
            cmd.slotFreed = true;
            completedCommands++;
        }
        tasks.remove(cmd.itt);
        outstanding--;
        bufferedBytes -= cmd.buffered;
        cmd.buffered = 0;
        pool.add(cmd);
        if (phase == Phase.CLOSED) {
            closeChannelsIfIdle();
        }
        if (logoutPending && outstanding == 0) {
            finishLogout();
        }
        tmfProgress();
    }

    // ------------------------------------------------------------------------------------------------ text

    private void text(Pdu pdu) {
        if (!acceptCmdSN(pdu)) {
            return;
        }
        if (!pdu.immediate()) {
            completedCommands++;
        }
        int ttt = pdu.field20();
        byte[] payload;
        if (ttt != RESERVED && textPending != null && ttt == textTtt) {
            payload = textPending;
        } else {
            List<TextKeys.Pair> pairs;
            try {
                pairs = TextKeys.parse(pdu.data());
            } catch (IllegalArgumentException e) {
                reject(pdu.bhs(), Opcode.REJECT_PROTOCOL_ERROR);
                flushSoon();
                return;
            }
            List<TextKeys.Pair> out = new ArrayList<>();
            for (TextKeys.Pair p : pairs) {
                if (p.key().equals("SendTargets")) {
                    if (!discovery && p.value().equals("All")) {
                        out.addAll(registry.sendTargets(this, target.name()));
                    } else {
                        out.addAll(registry.sendTargets(this, p.value().isEmpty() && !discovery
                                ? target.name() : p.value()));
                    }
                } else {
                    out.add(new TextKeys.Pair(p.key(), "NotUnderstood"));
                }
            }
            payload = TextKeys.encode(out);
        }
        int max = params.initiatorMaxRecvDataSegmentLength;
        boolean more = payload.length > max;
        byte[] now = more ? java.util.Arrays.copyOf(payload, max) : payload;
        textPending = more ? java.util.Arrays.copyOfRange(payload, max, payload.length) : null;
        ByteBuf h = writer.header(ctx.alloc(), Opcode.TEXT_RESPONSE);
        h.setByte(1, more ? 0x40 : 0x80);
        h.setLong(8, pdu.lun());
        h.setInt(16, pdu.itt());
        textTtt = more ? nextTtt() : 0;
        h.setInt(20, more ? textTtt : RESERVED);
        h.setInt(24, statSN++);
        setWindow(h);
        writer.write(ctx, h, now.length == 0 ? null : Unpooled.wrappedBuffer(now));
        flushSoon();
    }

    // ------------------------------------------------------------------------------------------------ TMF

    private final List<Tmf> tmfs = new ArrayList<>();

    /** A task management request waiting for aborted commands that are still at the bdev. */
    private record Tmf(int itt, int response, List<Command> waitFor, Runnable after, boolean closeAfter) {
    }

    private void taskManagement(Pdu pdu) {
        if (!acceptCmdSN(pdu)) {
            return;
        }
        if (!pdu.immediate()) {
            completedCommands++;
        }
        int function = pdu.flags() & 0x7F;
        int lun = ScsiReports.decodeLun(pdu.lun());
        int ref = pdu.field20();
        List<Command> waitFor = new ArrayList<>();
        int response = 0;
        Runnable after = null;
        switch (function) {
            case 1 -> { // ABORT TASK
                Command c = tasks.get(ref);
                if (c == null) {
                    response = 1; // task does not exist (it completed before the abort arrived)
                } else if (c.lunNumber != lun) {
                    response = 1;
                } else {
                    abort(c, waitFor);
                }
            }
            case 2, 3 -> { // ABORT TASK SET, CLEAR TASK SET
                if (target.lun(lun) == null) {
                    response = 2;
                } else {
                    for (Command c : new ArrayList<>(tasks.values())) {
                        if (c.lunNumber == lun && c.itt != pdu.itt()) {
                            abort(c, waitFor);
                        }
                    }
                }
            }
            case 5 -> { // LOGICAL UNIT RESET
                LunBinding b = target.lun(lun);
                if (b == null) {
                    response = 2;
                } else {
                    for (Command c : new ArrayList<>(tasks.values())) {
                        if (c.lunNumber == lun) {
                            abort(c, waitFor);
                        }
                    }
                    after = () -> b.scsi.reset(nexus);
                }
            }
            case 6, 7 -> { // TARGET WARM RESET, TARGET COLD RESET
                for (Command c : new ArrayList<>(tasks.values())) {
                    abort(c, waitFor);
                }
                after = () -> {
                    for (LunBinding b : target.luns().values()) {
                        b.scsi.reset(nexus);
                    }
                };
            }
            case 4 -> response = 5; // CLEAR ACA: ACA is not supported
            case 8 -> response = 4; // TASK REASSIGN: allegiance reassignment needs ErrorRecoveryLevel 2
            default -> response = 255;
        }
        tmfs.add(new Tmf(pdu.itt(), response, waitFor, after, function == 7));
        tmfProgress();
    }

    private void abort(Command c, List<Command> waitFor) {
        c.aborted = true;
        if (c.executing) {
            waitFor.add(c);
        } else {
            if (c.outBuf != null) {
                for (int t : c.tttList()) {
                    r2ts.remove(t);
                }
            }
            c.recycle();
            afterCommand(c);
        }
    }

    private void tmfProgress() {
        if (tmfs.isEmpty()) {
            return;
        }
        for (java.util.Iterator<Tmf> it = tmfs.iterator(); it.hasNext();) {
            Tmf t = it.next();
            boolean pending = false;
            for (Command c : t.waitFor()) {
                if (c.executing) {
                    pending = true;
                    break;
                }
            }
            if (pending) {
                continue;
            }
            it.remove();
            if (t.after() != null) {
                t.after().run(); // the reset's unit attentions exist before the initiator hears of it
            }
            ByteBuf h = writer.header(ctx.alloc(), Opcode.TASK_MGMT_RESPONSE);
            h.setByte(1, 0x80);
            h.setByte(2, t.response());
            h.setInt(16, t.itt());
            h.setInt(24, statSN++);
            setWindow(h);
            writer.write(ctx, h, null);
            if (t.closeAfter()) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> registry.coldReset(target, this));
            } else {
                flushSoon();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ logout

    private void logout(Pdu pdu) {
        if (!acceptCmdSN(pdu)) {
            return;
        }
        if (!pdu.immediate()) {
            completedCommands++;
        }
        int reason = pdu.flags() & 0x7F;
        logoutItt = pdu.itt();
        if (reason == 2) {
            // remove the connection for recovery: needs ErrorRecoveryLevel 2
            ByteBuf h = writer.header(ctx.alloc(), Opcode.LOGOUT_RESPONSE);
            h.setByte(1, 0x80);
            h.setByte(2, 2);
            h.setInt(16, logoutItt);
            h.setInt(24, statSN++);
            setWindow(h);
            writer.write(ctx, h, null);
            flushSoon();
            return;
        }
        if (reason == 1 && pdu.u16(20) != cid) {
            ByteBuf h = writer.header(ctx.alloc(), Opcode.LOGOUT_RESPONSE);
            h.setByte(1, 0x80);
            h.setByte(2, 1); // CID not found
            h.setInt(16, logoutItt);
            h.setInt(24, statSN++);
            setWindow(h);
            writer.write(ctx, h, null);
            flushSoon();
            return;
        }
        phase = Phase.LOGGING_OUT;
        logoutPending = true;
        if (outstanding == 0) {
            finishLogout();
        }
    }

    private void finishLogout() {
        logoutPending = false;
        ByteBuf h = writer.header(ctx.alloc(), Opcode.LOGOUT_RESPONSE);
        h.setByte(1, 0x80);
        h.setByte(2, 0);
        h.setInt(16, logoutItt);
        h.setInt(24, statSN++);
        setWindow(h);
        h.setShort(40, params.defaultTime2Wait);
        h.setShort(42, params.defaultTime2Retain);
        writer.write(ctx, h, null);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
    }

    private void reject(byte[] bhs, int reason) {
        ByteBuf h = writer.header(ctx.alloc(), Opcode.REJECT);
        h.setByte(1, 0x80);
        h.setByte(2, reason);
        h.setInt(16, RESERVED);
        h.setInt(24, statSN++);
        setWindow(h);
        writer.write(ctx, h, Unpooled.wrappedBuffer(bhs.clone()));
    }

    // ------------------------------------------------------------------------------------------------ management

    /** Closes the connection (session reinstatement, target deletion, cold reset). Safe from any thread. */
    void close() {
        if (ctx != null) {
            ctx.channel().close();
        }
    }

    /** A LUN of this connection's target was removed or added: tell the initiator (on every remaining LUN). */
    void lunsChanged() {
        if (target == null || nexus == null) {
            return;
        }
        for (LunBinding b : target.luns().values()) {
            b.scsi.unitAttention(Sense.REPORTED_LUNS_DATA_CHANGED);
        }
    }

    boolean isDiscovery() {
        return discovery;
    }

    String initiatorName() {
        return initiatorName;
    }

    InetSocketAddress localAddress() {
        return ctx == null ? null : (InetSocketAddress) ctx.channel().localAddress();
    }

    InetSocketAddress remoteAddress() {
        return ctx == null ? null : (InetSocketAddress) ctx.channel().remoteAddress();
    }

    int portalGroupTag() {
        return portalGroupTag;
    }

    TargetNode target() {
        return target;
    }

    ScsiNexus nexus() {
        return nexus;
    }

    long isid() {
        return isid;
    }

    int tsih() {
        return tsih;
    }

    ConnectionInfo info() {
        return new ConnectionInfo(id, initiatorName, initiatorAddress, target == null ? "" : target.name(), portal,
                portalGroupTag, String.format("%012x", isid), tsih, cid, discovery, phase.name().toLowerCase(),
                chapUser == null ? "" : chapUser, params.toString(), commandCount, outstanding);
    }

    /** The login's view of the target configuration. */
    private final class ConnectionDirectory implements io.karst.iscsi.internal.login.LoginDirectory {
        @Override
        public int portalGroupTag() {
            return portalGroupTag;
        }

        @Override
        public io.karst.iscsi.internal.login.AuthPolicy authorize(String targetName, String initiator)
                throws LoginException {
            InetSocketAddress remote = remoteAddress();
            return registry.authorize(targetName, initiator, remote == null ? null : remote.getAddress(),
                    portalGroupTag);
        }

        @Override
        public io.karst.iscsi.internal.login.AuthPolicy discoveryPolicy() {
            return registry.discoveryPolicy();
        }

        @Override
        public String targetAlias(String targetName) {
            TargetNode t = registry.target(targetName);
            return t == null ? null : t.config().alias();
        }
    }

    // ------------------------------------------------------------------------------------------------ commands

    private Command obtain() {
        Command c = pool.poll();
        if (c == null) {
            c = new Command();
        }
        c.reset();
        return c;
    }

    /** State of one outstanding R2T. */
    static final class R2tState {
        int ttt;
        int offset;
        int length;
        int received;
        int nextDataSN;
        int r2tsn;
    }

    /** One SCSI command of this connection (pooled). */
    final class Command extends ScsiTask {
        final byte[] cdb = new byte[16];
        int itt;
        boolean immediate;
        long lunField;
        int lunNumber;
        LunBinding binding;
        boolean read;
        boolean write;
        long edtl;
        IoChannel channel;
        ByteBuf outBuf;
        ByteBuffer outNio;
        ByteBuf inBuf;
        int received;
        int unsolicitedEnd;
        int unsolicitedReceived;
        int unsolicitedDataSN;
        int nextR2tOffset;
        int outstandingR2ts;
        int r2tsnNext;
        final ArrayList<R2tState> r2tList = new ArrayList<>(2);
        volatile boolean executing;
        boolean aborted;
        boolean responded;
        boolean slotFreed;
        int status;
        byte[] senseBytes;
        int dataInLength;
        long buffered;
        private final Runnable completer = () -> {
            executing = false;
            respond(this);
        };

        R2tState addR2t(int ttt, int offset, int length) {
            R2tState r = new R2tState();
            r.ttt = ttt;
            r.offset = offset;
            r.length = length;
            r.r2tsn = r2tsnNext++;
            r2tList.add(r);
            return r;
        }

        R2tState r2t(int ttt) {
            for (R2tState r : r2tList) {
                if (r.ttt == ttt) {
                    return r;
                }
            }
            return null;
        }

        void removeR2t(R2tState r) {
            r2tList.remove(r);
        }

        List<Integer> tttList() {
            List<Integer> l = new ArrayList<>();
            for (R2tState r : r2tList) {
                l.add(r.ttt);
            }
            return l;
        }

        @Override
        public byte[] cdb() {
            return cdb;
        }

        @Override
        public ScsiNexus nexus() {
            return nexus;
        }

        @Override
        public IoChannel channel() {
            return channel;
        }

        @Override
        public ByteBuffer dataOut() {
            return outNio;
        }

        @Override
        public ByteBuffer dataInBuffer(int length) {
            if (inBuf != null) {
                inBuf.release();
            }
            inBuf = ctx.alloc().directBuffer(Math.max(length, 1));
            return inBuf.nioBuffer(0, length);
        }

        @Override
        public int expectedDataInLength() {
            return read ? (int) Math.min(edtl, registry.maxTransferBytes()) : 0;
        }

        @Override
        public ByteBuffer scratchBuffer(int length) {
            return ByteBuffer.allocateDirect(length);
        }

        @Override
        public void runOnSubmitter(Runnable r) {
            if (ctx.executor().inEventLoop()) {
                r.run();
            } else {
                ctx.executor().execute(r);
            }
        }

        @Override
        protected void done(int st, Sense sense, byte[] sb, int dataIn) {
            finish(st, sense, sb, dataIn);
        }

        void finish(int st, Sense sense, byte[] sb, int dataIn) {
            status = st;
            senseBytes = sb;
            dataInLength = dataIn;
            if (ctx.executor().inEventLoop()) {
                executing = false;
                respond(this);
            } else {
                ctx.executor().execute(completer);
            }
        }

        /** Fails the command before execution (no bdev I/O) with CHECK CONDITION. */
        void fail(Sense sense) {
            boolean desc = binding != null && binding.scsi.descriptorSense();
            finish(ScsiStatus.CHECK_CONDITION, sense, sense.encode(desc), 0);
        }

        /** A Data-Out error: the command fails; its remaining data is dropped. */
        void failData(Sense sense) {
            for (int t : tttList()) {
                r2ts.remove(t);
            }
            r2tList.clear();
            responded = true;
            Sense s = sense;
            boolean desc = binding != null && binding.scsi.descriptorSense();
            status = ScsiStatus.CHECK_CONDITION;
            senseBytes = s.encode(desc);
            dataInLength = 0;
            read = false;
            write = false;
            respond(this);
        }

        void recycle() {
            if (outBuf != null) {
                outBuf.release();
                outBuf = null;
            }
            if (inBuf != null) {
                inBuf.release();
                inBuf = null;
            }
            for (R2tState r : r2tList) {
                r2ts.remove(r.ttt);
            }
            r2tList.clear();
            outNio = null;
            channel = null;
            binding = null;
            resetScsiState();
        }

        void reset() {
            immediate = false;
            read = false;
            write = false;
            edtl = 0;
            received = 0;
            unsolicitedEnd = 0;
            unsolicitedReceived = 0;
            unsolicitedDataSN = 0;
            nextR2tOffset = 0;
            outstandingR2ts = 0;
            r2tsnNext = 0;
            executing = false;
            aborted = false;
            responded = false;
            slotFreed = false;
            status = 0;
            senseBytes = null;
            dataInLength = 0;
            buffered = 0;
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
