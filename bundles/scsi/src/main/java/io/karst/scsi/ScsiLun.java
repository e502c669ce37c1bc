package io.karst.scsi;

import static io.karst.scsi.Opcodes.*;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One SCSI logical unit (SBC-3 direct-access block device) over an open bdev descriptor. Transport-neutral:
 * {@link #execute} takes a {@link ScsiTask}, validates its CDB, submits bdev I/O on the task's channel and
 * completes the task with a status and sense data. Holds the unit's state shared by all nexuses: unit
 * attentions, the RESERVE(6) reservation, mode parameters, and the range locks of COMPARE AND WRITE.
 */
public final class ScsiLun {
    /** Largest COMPARE AND WRITE in blocks (VPD B0). */
    public static final int MAX_COMPARE_AND_WRITE_BLOCKS = 256 - 1;
    /** Largest WRITE SAME in blocks (VPD B0 MAXIMUM WRITE SAME LENGTH); 0 blocks means to the end of the medium. */
    public static final long MAX_WRITE_SAME_BLOCKS = 0xFFFF_FFFFL;
    /** Largest UNMAP: block descriptors per command and blocks per command (VPD B0). */
    public static final int MAX_UNMAP_DESCRIPTORS = 256;
    public static final long MAX_UNMAP_BLOCKS = 0xFFFF_FFFFL;
    /** WRITE SAME writes its pattern in chunks of this many bytes. */
    static final int WRITE_SAME_CHUNK = 1 << 20;

    private static final int S_SINGLE = 1;
    private static final int S_WRITE_LOCKED = 2;
    private static final int S_CAW_READ = 3;
    private static final int S_CAW_WRITE = 4;
    private static final int S_WS_LOOP = 5;
    private static final int S_UNMAP_LOOP = 6;
    private static final int S_VERIFY_READ = 7;
    private static final int S_CAW_LOCKED = 8;
    private static final int S_WS_LOCKED = 9;
    private static final int S_UNMAP_LOCKED = 10;
    private static final int S_PASSTHROUGH = 11;
    private static final int S_EMULATE = 12;
    private static final int S_OR_LOCKED = 13;
    private static final int S_OR_READ = 14;
    private static final int S_OR_WRITE = 15;

    private static final Sense INVALID_FIELD_IN_INFORMATION_UNIT = new Sense(Sense.ILLEGAL_REQUEST, 0x0E, 0x03);

    private final BdevDescriptor descriptor;
    private final Bdev bdev;
    private final LunOptions options;
    private final LunIdentity identity;
    private final boolean thin;
    private final RangeLock locks = new RangeLock();
    private final PersistentReservations pr;
    private final Map<ScsiNexus, NexusState> nexuses = new ConcurrentHashMap<>();
    private volatile ScsiNexus reservation;
    private volatile boolean descriptorSense;
    private volatile boolean removed;

    public ScsiLun(BdevDescriptor descriptor, LunOptions options) {
        this.descriptor = descriptor;
        this.bdev = descriptor.bdev();
        this.options = options;
        this.identity = LunIdentity.of(bdev.uuid());
        this.thin = options.thinProvisioning() && bdev.supports(IoType.UNMAP);
        this.pr = new PersistentReservations(options.reservationStore());
    }

    public Bdev bdev() {
        return bdev;
    }

    public BdevDescriptor descriptor() {
        return descriptor;
    }

    public LunIdentity identity() {
        return identity;
    }

    public LunOptions options() {
        return options;
    }

    /** Whether logical block provisioning (thin provisioning) is advertised. */
    public boolean thinProvisioned() {
        return thin;
    }

    /** The current reservation holder of RESERVE(6), if any. */
    public ScsiNexus reservationHolder() {
        return reservation;
    }

    /** Whether sense data is returned in descriptor format (control mode page D_SENSE). */
    public boolean descriptorSense() {
        return descriptorSense;
    }

    /** The bdev changed size: every nexus gets CAPACITY DATA HAS CHANGED. */
    public void capacityChanged() {
        for (NexusState s : nexuses.values()) {
            s.add(Sense.CAPACITY_DATA_CHANGED);
        }
    }

    /** Queues a unit attention for every nexus that has talked to this unit (e.g. REPORTED LUNS DATA HAS CHANGED). */
    public void unitAttention(Sense sense) {
        for (NexusState s : nexuses.values()) {
            s.add(sense);
        }
    }

    /** ALUA states changed: every nexus gets ASYMMETRIC ACCESS STATE CHANGED. */
    public void accessStateChanged() {
        for (NexusState s : nexuses.values()) {
            s.add(Sense.ASYMMETRIC_ACCESS_STATE_CHANGED);
        }
    }

    /**
     * A LOGICAL UNIT RESET (or target reset) from {@code by} (null for a reset not caused by a nexus): the
     * reservation is released, mode parameters return to their defaults, and every nexus gets a unit
     * attention (BUS DEVICE RESET FUNCTION OCCURRED). The transport aborts or drains the unit's outstanding tasks itself.
     */
    public void reset(ScsiNexus by) {
        reservation = null;
        descriptorSense = false;
        // every I_T nexus, the resetting one too, learns of the reset (what multipath initiators check)
        for (NexusState s : nexuses.values()) {
            s.add(Sense.BUS_DEVICE_RESET);
        }
    }

    /** The nexus ended (session closed for good): its reservation is released and its state forgotten. */
    public void nexusLost(ScsiNexus nexus) {
        if (nexus.equals(reservation)) {
            reservation = null;
        }
        nexuses.remove(nexus);
    }

    /** The bdev is going away: commands from now on fail with LOGICAL UNIT NOT SUPPORTED. */
    public void markRemoved() {
        removed = true;
    }

    public boolean removed() {
        return removed;
    }

    /** Pending unit attentions of a nexus (for management views and tests). */
    public int pendingUnitAttentions(ScsiNexus nexus) {
        NexusState s = nexuses.get(nexus);
        return s == null ? 1 : s.size();
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    /** Executes one command. Called on the thread that owns the task's channel; never blocks. */
    public void execute(ScsiTask t) {
        t.lun = this;
        t.step = 0;
        t.locked = false;
        byte[] c = t.cdb();
        int op = c[0] & 0xFF;
        t.op = op;
        if (removed) {
            fail(t, Sense.LUN_NOT_SUPPORTED);
            return;
        }
        NexusState ns = nexusState(t.nexus());
        if (ns.pending && op != INQUIRY && op != REPORT_LUNS && op != REQUEST_SENSE) {
            Sense ua = ns.poll();
            if (ua != null) {
                fail(t, ua);
                return;
            }
        }
        ScsiNexus holder = reservation;
        if (holder != null && !holder.equals(t.nexus()) && conflictsWithReservation(op, c)) {
            finish(t, ScsiStatus.RESERVATION_CONFLICT, null, 0);
            return;
        }
        if (pr.active() && prConflicts(t.nexus(), op, c)) {
            finish(t, ScsiStatus.RESERVATION_CONFLICT, null, 0);
            return;
        }
        if (!accessAllowed(t, op, c)) {
            return;
        }
        if (passthrough(t, op)) {
            return;
        }
        try {
            dispatch(t, op, c);
        } catch (RuntimeException e) {
            // a bug must not take the connection down: report it as the unit's failure
            System.getLogger(ScsiLun.class.getName()).log(System.Logger.Level.ERROR,
                    "SCSI command 0x" + Integer.toHexString(op) + " failed", e);
            fail(t, Sense.INTERNAL_TARGET_FAILURE);
        }
    }

    private void dispatch(ScsiTask t, int op, byte[] c) {
        switch (op) {
            case TEST_UNIT_READY -> good(t);
            case REQUEST_SENSE -> requestSense(t, c);
            case INQUIRY -> inquiry(t, c);
            case READ_CAPACITY_10 -> readCapacity10(t, c);
            case SERVICE_ACTION_IN_16 -> {
                switch (c[1] & 0x1F) {
                    case SAI_READ_CAPACITY_16 -> readCapacity16(t, c);
                    case SAI_GET_LBA_STATUS -> getLbaStatus(t, c);
                    default -> fail(t, Sense.INVALID_FIELD_IN_CDB);
                }
            }
            case READ_6 -> {
                int n = c[4] & 0xFF;
                read(t, Bytes.u24(c, 1) & 0x1FFFFF, n == 0 ? 256 : n, 0);
            }
            case READ_10 -> {
                if (protect(t, c)) {
                    read(t, Bytes.u32(c, 2), Bytes.u16(c, 7), c[1]);
                }
            }
            case READ_12 -> {
                if (protect(t, c)) {
                    read(t, Bytes.u32(c, 2), Bytes.u32(c, 6), c[1]);
                }
            }
            case READ_16 -> {
                if (protect(t, c)) {
                    read(t, Bytes.u64(c, 2), Bytes.u32(c, 10), c[1]);
                }
            }
            case WRITE_6 -> {
                int n = c[4] & 0xFF;
                write(t, Bytes.u24(c, 1) & 0x1FFFFF, n == 0 ? 256 : n, 0);
            }
            case WRITE_10, WRITE_AND_VERIFY_10 -> {
                if (protect(t, c)) {
                    write(t, Bytes.u32(c, 2), Bytes.u16(c, 7), op == WRITE_10 ? c[1] : c[1] | 0x08);
                }
            }
            case WRITE_12, WRITE_AND_VERIFY_12 -> {
                if (protect(t, c)) {
                    write(t, Bytes.u32(c, 2), Bytes.u32(c, 6), op == WRITE_12 ? c[1] : c[1] | 0x08);
                }
            }
            case WRITE_16, WRITE_AND_VERIFY_16 -> {
                if (protect(t, c)) {
                    write(t, Bytes.u64(c, 2), Bytes.u32(c, 10), op == WRITE_16 ? c[1] : c[1] | 0x08);
                }
            }
            case VERIFY_10 -> verify(t, c, Bytes.u32(c, 2), Bytes.u16(c, 7));
            case VERIFY_12 -> verify(t, c, Bytes.u32(c, 2), Bytes.u32(c, 6));
            case VERIFY_16 -> verify(t, c, Bytes.u64(c, 2), Bytes.u32(c, 10));
            case SYNCHRONIZE_CACHE_10 -> syncCache(t, Bytes.u32(c, 2), Bytes.u16(c, 7));
            case SYNCHRONIZE_CACHE_16 -> syncCache(t, Bytes.u64(c, 2), Bytes.u32(c, 10));
            case PRE_FETCH_10 -> prefetch(t, Bytes.u32(c, 2), Bytes.u16(c, 7));
            case PRE_FETCH_16 -> prefetch(t, Bytes.u64(c, 2), Bytes.u32(c, 10));
            case WRITE_SAME_10 -> writeSame(t, c, Bytes.u32(c, 2), Bytes.u16(c, 7), false);
            case WRITE_SAME_16 -> writeSame(t, c, Bytes.u64(c, 2), Bytes.u32(c, 10), true);
            case UNMAP -> unmap(t, c);
            case COMPARE_AND_WRITE -> compareAndWrite(t, c);
            case ORWRITE_16 -> orWrite(t, c);
            case MODE_SENSE_6 -> ModePages.modeSense(this, t, c, false);
            case MODE_SENSE_10 -> ModePages.modeSense(this, t, c, true);
            case MODE_SELECT_6 -> ModePages.modeSelect(this, t, c, false);
            case MODE_SELECT_10 -> ModePages.modeSelect(this, t, c, true);
            case START_STOP_UNIT -> startStop(t, c);
            case PERSISTENT_RESERVE_IN -> prIn(t, c);
            case PERSISTENT_RESERVE_OUT -> prOut(t, c);
            case RESERVE_6 -> reserve6(t);
            case RELEASE_6 -> release6(t);
            case MAINTENANCE_IN -> {
                switch (c[1] & 0x1F) {
                    case MI_REPORT_TARGET_PORT_GROUPS -> reportTargetPortGroups(t, c);
                    case MI_REPORT_SUPPORTED_OPCODES -> CommandTable.report(this, t, c);
                    default -> fail(t, Sense.INVALID_FIELD_IN_CDB);
                }
            }
            case REPORT_LUNS -> fail(t, Sense.INVALID_OPCODE); // the transport answers REPORT LUNS
            default -> fail(t, Sense.INVALID_OPCODE);
        }
    }

    /**
     * Offers the command to a bdev that asked for pass-through of this opcode (a tcmu-runner handler's
     * handle_cmd): true when it went there; its NOT_HANDLED answer brings it back to the emulation.
     */
    private boolean passthrough(ScsiTask t, int op) {
        io.karst.bdev.ScsiOpcodeSet set = bdev.scsiPassthrough();
        if (set.isEmpty() || !set.contains(op)) {
            return false;
        }
        byte[] c = t.cdb();
        int cdbLength = Math.max(Opcodes.cdbLength(op), 6);
        io.karst.bdev.ScsiCommand cmd = t.passthrough;
        if (cmd == null) {
            cmd = new io.karst.bdev.ScsiCommand();
            t.passthrough = cmd;
            t.passthroughSense = ByteBuffer.allocate(io.karst.bdev.ScsiCommand.MAX_SENSE_LENGTH);
        }
        ByteBuffer out = t.dataOut();
        ByteBuffer[] data;
        io.karst.bdev.ScsiCommand.Direction dir;
        int length;
        if (out != null && out.hasRemaining()) {
            dir = io.karst.bdev.ScsiCommand.Direction.TO_DEVICE;
            length = out.remaining();
            data = new ByteBuffer[] {out};
        } else if (t.expectedDataInLength() > 0) {
            dir = io.karst.bdev.ScsiCommand.Direction.FROM_DEVICE;
            length = t.expectedDataInLength();
            data = new ByteBuffer[] {t.dataInBuffer(length)};
        } else {
            dir = io.karst.bdev.ScsiCommand.Direction.NONE;
            length = 0;
            data = null;
        }
        t.passthroughSense.clear();
        cmd.set(ByteBuffer.wrap(c, 0, cdbLength), dir, data, length, t.passthroughSense);
        t.dataInLength = dir == io.karst.bdev.ScsiCommand.Direction.FROM_DEVICE ? length : 0;
        t.step = S_PASSTHROUGH;
        t.channel().submitScsi(cmd, t);
        return true;
    }

    private void passthroughDone(ScsiTask t, IoStatus status) {
        io.karst.bdev.ScsiCommand cmd = t.passthrough;
        if (status == IoStatus.NOT_HANDLED) {
            t.step = S_EMULATE;
            t.runOnSubmitter(t);
            return;
        }
        if (!status.isSuccess()) {
            failIo(t, status);
            return;
        }
        int st = cmd.status();
        if (st == ScsiStatus.CHECK_CONDITION && cmd.senseLength() > 0) {
            byte[] sb = new byte[cmd.senseLength()];
            cmd.sense().get(cmd.sense().position(), sb, 0, sb.length);
            Sense parsed;
            try {
                parsed = Sense.parse(sb, 0, sb.length);
            } catch (IllegalArgumentException e) {
                parsed = Sense.INTERNAL_TARGET_FAILURE;
            }
            t.scratch = null;
            t.aux = null;
            t.done(st, parsed, sb, 0);
            return;
        }
        int dataIn = Math.max(0, t.dataInLength - cmd.residual());
        finish(t, st, null, cmd.direction() == io.karst.bdev.ScsiCommand.Direction.FROM_DEVICE ? dataIn : 0);
    }

    /** Commands a RESERVE(6) holder's reservation blocks for other nexuses (SPC-2 5.5.1). */
    private static boolean conflictsWithReservation(int op, byte[] c) {
        return switch (op) {
            case INQUIRY, REPORT_LUNS, REQUEST_SENSE, RELEASE_6 -> false;
            case MAINTENANCE_IN -> (c[1] & 0x1F) != MI_REPORT_TARGET_PORT_GROUPS
                    && (c[1] & 0x1F) != MI_REPORT_SUPPORTED_OPCODES;
            case SERVICE_ACTION_IN_16 -> (c[1] & 0x1F) != SAI_READ_CAPACITY_16;
            default -> op != READ_CAPACITY_10;
        };
    }

    /** Whether a command conflicts with a persistent reservation for this nexus (SPC-4 table 67). */
    private boolean prConflicts(ScsiNexus n, int op, byte[] c) {
        boolean write;
        boolean read;
        switch (op) {
            case WRITE_6, WRITE_10, WRITE_12, WRITE_16, WRITE_AND_VERIFY_10, WRITE_AND_VERIFY_12, WRITE_AND_VERIFY_16,
                 ORWRITE_16,
                 WRITE_SAME_10, WRITE_SAME_16, UNMAP, COMPARE_AND_WRITE, SYNCHRONIZE_CACHE_10, SYNCHRONIZE_CACHE_16,
                 MODE_SELECT_6, MODE_SELECT_10, START_STOP_UNIT -> {
                write = true;
                read = false;
            }
            case RESERVE_6, RELEASE_6 -> {
                return true; // SPC-2 reservations and persistent reservations do not mix
            }
            case READ_6, READ_10, READ_12, READ_16, VERIFY_10, VERIFY_12, VERIFY_16, PRE_FETCH_10, PRE_FETCH_16,
                 MODE_SENSE_6, MODE_SENSE_10 -> {
                write = false;
                read = true;
            }
            case SERVICE_ACTION_IN_16 -> {
                write = false;
                read = (c[1] & 0x1F) == SAI_GET_LBA_STATUS;
            }
            default -> {
                return false;
            }
        }
        return pr.conflicts(n, write, read);
    }

    private void prIn(ScsiTask t, byte[] c) {
        int alloc = Bytes.u16(c, 7);
        byte[] d = pr.in(c[1] & 0x1F);
        if (d == null) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        respond(t, d, d.length, alloc);
    }

    private void prOut(ScsiTask t, byte[] c) {
        int sa = c[1] & 0x1F;
        int scope = (c[2] >>> 4) & 0x0F;
        int type = c[2] & 0x0F;
        long length = Bytes.u32(c, 5);
        if (reservation != null) {
            finish(t, ScsiStatus.RESERVATION_CONFLICT, null, 0); // an SPC-2 reservation is held
            return;
        }
        if (sa == 7) {
            fail(t, Sense.INVALID_FIELD_IN_CDB); // REGISTER AND MOVE
            return;
        }
        ByteBuffer out = t.dataOut();
        if (length != 24 || out == null || out.remaining() < 24) {
            fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        byte[] p = new byte[24];
        out.get(out.position(), p, 0, 24);
        PersistentReservations.Outcome o = pr.out(t.nexus(), sa, scope, type, p, (r, sense) ->
                nexusState(new ScsiNexus(r.initiatorPort(), r.targetPort(), r.relativePort())).add(sense));
        if (o.status() == ScsiStatus.CHECK_CONDITION) {
            fail(t, o.sense());
        } else {
            finish(t, o.status(), null, 0);
        }
    }

    /** ALUA: commands allowed on a port whose group is standby, unavailable or transitioning. */
    private boolean accessAllowed(ScsiTask t, int op, byte[] c) {
        List<PortGroup> groups = options.portGroups().get();
        if (groups.size() == 1 && groups.get(0).state() == PortGroup.AccessState.ACTIVE_OPTIMIZED) {
            return true;
        }
        PortGroup.AccessState state = PortGroup.AccessState.ACTIVE_OPTIMIZED;
        int port = t.nexus().relativeTargetPort();
        for (PortGroup g : groups) {
            if (g.relativePorts().contains(port)) {
                state = g.state();
                break;
            }
        }
        if (state == PortGroup.AccessState.ACTIVE_OPTIMIZED || state == PortGroup.AccessState.ACTIVE_NON_OPTIMIZED) {
            return true;
        }
        boolean always = op == INQUIRY || op == REPORT_LUNS || op == REQUEST_SENSE
                || (op == MAINTENANCE_IN && ((c[1] & 0x1F) == MI_REPORT_TARGET_PORT_GROUPS
                || (c[1] & 0x1F) == MI_REPORT_SUPPORTED_OPCODES));
        if (always) {
            return true;
        }
        if (state == PortGroup.AccessState.STANDBY && (op == MODE_SENSE_6 || op == MODE_SENSE_10
                || op == TEST_UNIT_READY || op == READ_CAPACITY_10 || op == RESERVE_6 || op == RELEASE_6
                || (op == SERVICE_ACTION_IN_16 && (c[1] & 0x1F) == SAI_READ_CAPACITY_16))) {
            return true;
        }
        fail(t, switch (state) {
            case STANDBY -> Sense.LUN_NOT_ACCESSIBLE_STANDBY;
            case TRANSITIONING -> Sense.LUN_NOT_ACCESSIBLE_TRANSITION;
            default -> Sense.LUN_NOT_READY_UNAVAILABLE;
        });
        return false;
    }

    // ------------------------------------------------------------------------------------------------ commands

    private boolean protect(ScsiTask t, byte[] c) {
        if ((c[1] & 0xE0) != 0) { // RDPROTECT/WRPROTECT/VRPROTECT: no protection information
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return false;
        }
        return true;
    }

    /** Whether the medium is write-protected for this LUN: a read-only bdev or a read-only descriptor. */
    boolean writeProtected() {
        return bdev.readOnly() || !descriptor.writable();
    }

    /** Fails the task with WRITE PROTECTED unless the medium can be written. */
    private boolean writable(ScsiTask t) {
        if (writeProtected()) {
            fail(t, Sense.WRITE_PROTECTED);
            return false;
        }
        return true;
    }

    private boolean inRange(ScsiTask t, long lba, long blocks) {
        long count = bdev.blockCount();
        if (lba < 0 || blocks < 0 || lba > count || blocks > count - lba) {
            fail(t, Sense.LBA_OUT_OF_RANGE);
            return false;
        }
        return true;
    }

    private boolean transferOk(ScsiTask t, long blocks) {
        if (blocks * bdev.blockSize() > options.maxTransferBytes()) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return false;
        }
        return true;
    }

    private void read(ScsiTask t, long lba, long blocks, int cdbFlags) {
        if (!inRange(t, lba, blocks) || !transferOk(t, blocks)) {
            return;
        }
        if (blocks == 0) {
            good(t);
            return;
        }
        int bytes = (int) (blocks * bdev.blockSize());
        ByteBuffer buf = t.dataInBuffer(bytes);
        t.dataInLength = bytes;
        t.step = S_SINGLE;
        t.channel().read(buf, lba, blocks, t);
    }

    private void write(ScsiTask t, long lba, long blocks, int cdbFlags) {
        if (!inRange(t, lba, blocks) || !transferOk(t, blocks)) {
            return;
        }
        if (blocks == 0) {
            good(t);
            return;
        }
        if (!writable(t)) {
            return;
        }
        long bytes = blocks * bdev.blockSize();
        ByteBuffer out = t.dataOut();
        int have = out == null ? 0 : out.remaining();
        if (have < bytes) {
            // the transport carried less than the CDB asks for (iSCSI EDTL < transfer length): write only the whole
            // blocks that came (FCP-4/SAM-5 overflow semantics); a partial block cannot be written
            if (have % bdev.blockSize() != 0) {
                fail(t, INVALID_FIELD_IN_INFORMATION_UNIT);
                return;
            }
            blocks = have / bdev.blockSize();
            if (blocks == 0) {
                good(t);
                return;
            }
        }
        t.lba = lba;
        t.blocks = blocks;
        t.flags = (cdbFlags & 0x08) != 0 ? IoChannel.FUA : 0;
        t.step = S_WRITE_LOCKED;
        if (locks.acquire(t, lba, blocks, false)) {
            t.locked = true;
            submitWrite(t);
        }
    }

    private void submitWrite(ScsiTask t) {
        ByteBuffer out = t.dataOut();
        long bytes = t.blocks * bdev.blockSize();
        ByteBuffer data = out.remaining() == bytes ? out : out.slice(out.position(), (int) bytes);
        t.channel().write(data, t.lba, t.blocks, t.flags, t);
    }

    private void verify(ScsiTask t, byte[] c, long lba, long blocks) {
        if (!protect(t, c)) {
            return;
        }
        int bytchk = (c[1] >>> 1) & 0x03;
        if (bytchk == 2) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(t, lba, blocks) || !transferOk(t, blocks)) {
            return;
        }
        if (blocks == 0) {
            good(t);
            return;
        }
        int bytes = (int) (blocks * bdev.blockSize());
        if (bytchk != 0) {
            ByteBuffer out = t.dataOut();
            int need = bytchk == 1 ? bytes : bdev.blockSize();
            if (out == null || out.remaining() < need) {
                fail(t, new Sense(Sense.ILLEGAL_REQUEST, 0x0E, 0x03));
                return;
            }
        }
        // read the medium (BYTCHK 0 checks that it is readable) and compare with the data-out when asked
        t.lba = lba;
        t.blocks = blocks;
        t.flags = bytchk;
        t.scratch = t.scratchBuffer(bytes);
        t.step = S_VERIFY_READ;
        t.channel().read(t.scratch, lba, blocks, t);
    }

    private void syncCache(ScsiTask t, long lba, long blocks) {
        if (!inRange(t, lba, blocks)) {
            return;
        }
        if (!bdev.supports(IoType.FLUSH)) {
            good(t);
            return;
        }
        t.step = S_SINGLE;
        t.channel().flush(t);
    }

    private void prefetch(ScsiTask t, long lba, long blocks) {
        if (inRange(t, lba, blocks)) {
            good(t); // no cache to load: GOOD rather than CONDITION MET
        }
    }

    private void startStop(ScsiTask t, byte[] c) {
        int powerCondition = (c[4] >>> 4) & 0x0F;
        if (powerCondition != 0 && powerCondition != 1 && powerCondition != 2 && powerCondition != 3
                && powerCondition != 7 && powerCondition != 0xA && powerCondition != 0xB) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        if (powerCondition == 0 && (c[4] & 0x02) != 0 && (c[4] & 0x01) == 0) {
            // LOEJ without START: eject; the medium is not removable
            fail(t, new Sense(Sense.ILLEGAL_REQUEST, 0x53, 0x02)); // MEDIUM REMOVAL PREVENTED
            return;
        }
        good(t);
    }

    private void reserve6(ScsiTask t) {
        synchronized (this) {
            ScsiNexus h = reservation;
            if (h != null && !h.equals(t.nexus())) {
                finish(t, ScsiStatus.RESERVATION_CONFLICT, null, 0);
                return;
            }
            reservation = t.nexus();
        }
        good(t);
    }

    private void release6(ScsiTask t) {
        synchronized (this) {
            if (t.nexus().equals(reservation)) {
                reservation = null;
            }
        }
        good(t);
    }

    private void writeSame(ScsiTask t, byte[] c, long lba, long blocks, boolean sixteen) {
        if (!protect(t, c)) {
            return;
        }
        boolean unmapBit = (c[1] & 0x08) != 0;
        boolean anchor = (c[1] & 0x10) != 0;
        boolean ndob = sixteen && (c[1] & 0x01) != 0;
        if (anchor || (unmapBit && !thin) || (!sixteen && (c[1] & 0x01) != 0)) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(t, lba, blocks)) {
            return;
        }
        if (blocks == 0) {
            blocks = bdev.blockCount() - lba; // WSNZ is 0: a zero count means to the end of the medium
            if (blocks == 0) {
                good(t);
                return;
            }
        }
        if (blocks > MAX_WRITE_SAME_BLOCKS) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        if (!writable(t)) {
            return;
        }
        int bs = bdev.blockSize();
        boolean zero = ndob;
        if (!ndob) {
            ByteBuffer out = t.dataOut();
            if (out == null || out.remaining() < bs) {
                fail(t, new Sense(Sense.ILLEGAL_REQUEST, 0x0E, 0x03));
                return;
            }
            zero = isZero(out, out.position(), bs);
        }
        t.lba = lba;
        t.blocks = blocks;
        t.cursor = lba;
        // how: 1 = unmap, 2 = write zeroes, 3 = write the pattern
        if (unmapBit) {
            // SBC: with UNMAP set the device server may unmap instead of writing the block (as arrays do);
            // LBPRZ tells the initiator what unmapped blocks read back as
            t.flags = 1;
        } else if (zero && bdev.supports(IoType.WRITE_ZEROES)) {
            t.flags = 2;
        } else {
            t.flags = 3;
            int chunkBlocks = (int) Math.min(blocks, Math.max(1, WRITE_SAME_CHUNK / bs));
            ByteBuffer pattern = t.scratchBuffer(chunkBlocks * bs);
            if (!zero) {
                ByteBuffer out = t.dataOut();
                for (int i = 0; i < chunkBlocks; i++) {
                    pattern.put(i * bs, out, out.position(), bs);
                }
            } else {
                for (int i = 0; i < chunkBlocks * bs; i++) {
                    pattern.put(i, (byte) 0);
                }
            }
            t.scratch = pattern;
        }
        t.step = S_WS_LOCKED;
        if (locks.acquire(t, lba, blocks, false)) {
            t.locked = true;
            writeSameNext(t);
        }
    }

    private void writeSameNext(ScsiTask t) {
        long end = t.lba + t.blocks;
        long left = end - t.cursor;
        t.step = S_WS_LOOP;
        long at = t.cursor;
        switch (t.flags) {
            case 1 -> {
                long n = Math.min(left, 1L << 30);
                t.cursor += n;
                t.channel().unmap(at, n, t);
            }
            case 2 -> {
                long n = Math.min(left, 1L << 30);
                t.cursor += n;
                t.channel().writeZeroes(at, n, t);
            }
            default -> {
                int bs = bdev.blockSize();
                long n = Math.min(left, t.scratch.capacity() / bs);
                t.cursor += n;
                ByteBuffer b = n * bs == t.scratch.capacity() ? t.scratch : t.scratch.slice(0, (int) (n * bs));
                t.channel().write(b, at, n, 0, t);
            }
        }
    }

    private void unmap(ScsiTask t, byte[] c) {
        if (!thin) {
            fail(t, Sense.INVALID_OPCODE);
            return;
        }
        if ((c[1] & 0x01) != 0) { // ANCHOR
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        int listLength = Bytes.u16(c, 7);
        if (listLength == 0) {
            good(t);
            return;
        }
        ByteBuffer out = t.dataOut();
        if (listLength < 8 || out == null || out.remaining() < 8) {
            fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        int have = Math.min(listLength, out.remaining());
        byte[] p = new byte[have];
        out.get(out.position(), p, 0, have);
        int dataLength = Bytes.u16(p, 0);
        int descLength = Bytes.u16(p, 2);
        if (descLength % 16 != 0 || 8 + descLength > have || dataLength + 2 > have) {
            fail(t, Sense.PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        int n = descLength / 16;
        if (n > MAX_UNMAP_DESCRIPTORS) {
            fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        long total = 0;
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (int i = 0; i < n; i++) {
            long lba = Bytes.u64(p, 8 + 16 * i);
            long count = Bytes.u32(p, 8 + 16 * i + 8);
            if (!inRange(t, lba, count)) {
                return;
            }
            total += count;
            if (count > 0) {
                lo = Math.min(lo, lba);
                hi = Math.max(hi, lba + count);
            }
        }
        if (total > MAX_UNMAP_BLOCKS) {
            fail(t, Sense.INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        if (total == 0) {
            good(t);
            return;
        }
        if (!writable(t)) {
            return;
        }
        t.aux = ByteBuffer.wrap(p, 8, descLength).slice();
        t.cursor = 0;
        t.lba = lo;
        t.blocks = hi - lo;
        t.step = S_UNMAP_LOCKED;
        if (locks.acquire(t, lo, hi - lo, false)) {
            t.locked = true;
            unmapNext(t);
        }
    }

    private void unmapNext(ScsiTask t) {
        ByteBuffer d = t.aux;
        while (t.cursor < d.capacity() / 16) {
            int at = (int) t.cursor * 16;
            t.cursor++;
            long lba = d.getLong(at);
            long count = d.getInt(at + 8) & 0xFFFFFFFFL;
            if (count > 0) {
                t.step = S_UNMAP_LOOP;
                t.channel().unmap(lba, count, t);
                return;
            }
        }
        unlock(t);
        good(t);
    }

    private void compareAndWrite(ScsiTask t, byte[] c) {
        if (!protect(t, c)) {
            return;
        }
        long lba = Bytes.u64(c, 2);
        int blocks = c[13] & 0xFF;
        if (!inRange(t, lba, blocks)) {
            return;
        }
        if (blocks == 0) {
            ByteBuffer data = t.dataOut();
            if (data != null && data.hasRemaining()) {
                fail(t, Sense.INVALID_FIELD_IN_CDB); // data for no blocks: the length did not fit the CDB field
            } else {
                good(t);
            }
            return;
        }
        if (blocks > MAX_COMPARE_AND_WRITE_BLOCKS) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        if (!writable(t)) {
            return;
        }
        int bytes = blocks * bdev.blockSize();
        ByteBuffer out = t.dataOut();
        if (out == null || out.remaining() < 2 * bytes) {
            fail(t, new Sense(Sense.ILLEGAL_REQUEST, 0x0E, 0x03));
            return;
        }
        t.lba = lba;
        t.blocks = blocks;
        t.flags = (c[1] & 0x08) != 0 ? IoChannel.FUA : 0;
        t.step = S_CAW_LOCKED;
        if (locks.acquire(t, lba, blocks, true)) {
            t.locked = true;
            cawRead(t);
        }
    }

    /** ORWRITE(16): the data-out is ORed into the blocks, atomically against overlapping writers. */
    private void orWrite(ScsiTask t, byte[] c) {
        if (!protect(t, c)) {
            return;
        }
        long lba = Bytes.u64(c, 2);
        long blocks = Bytes.u32(c, 10);
        if (!inRange(t, lba, blocks) || !transferOk(t, blocks)) {
            return;
        }
        if (blocks == 0) {
            good(t);
            return;
        }
        if (!writable(t)) {
            return;
        }
        int bytes = (int) (blocks * bdev.blockSize());
        ByteBuffer out = t.dataOut();
        if (out == null || out.remaining() < bytes) {
            fail(t, INVALID_FIELD_IN_INFORMATION_UNIT);
            return;
        }
        t.lba = lba;
        t.blocks = blocks;
        t.flags = (c[1] & 0x08) != 0 ? IoChannel.FUA : 0;
        t.step = S_OR_LOCKED;
        if (locks.acquire(t, lba, blocks, true)) {
            t.locked = true;
            orRead(t);
        }
    }

    private void orRead(ScsiTask t) {
        t.scratch = t.scratchBuffer((int) (t.blocks * bdev.blockSize()));
        t.step = S_OR_READ;
        t.channel().read(t.scratch, t.lba, t.blocks, t);
    }

    private void orMerge(ScsiTask t) {
        ByteBuffer out = t.dataOut();
        ByteBuffer b = t.scratch;
        int bytes = b.capacity();
        int from = out.position();
        int i = 0;
        for (; i + 8 <= bytes; i += 8) {
            b.putLong(i, b.getLong(i) | out.getLong(from + i));
        }
        for (; i < bytes; i++) {
            b.put(i, (byte) (b.get(i) | out.get(from + i)));
        }
        t.step = S_OR_WRITE;
        t.channel().write(b, t.lba, t.blocks, t.flags, t);
    }

    private void cawRead(ScsiTask t) {
        int bytes = (int) (t.blocks * bdev.blockSize());
        t.scratch = t.scratchBuffer(bytes);
        t.step = S_CAW_READ;
        t.channel().read(t.scratch, t.lba, t.blocks, t);
    }

    private void cawCompared(ScsiTask t) {
        int bytes = (int) (t.blocks * bdev.blockSize());
        ByteBuffer out = t.dataOut();
        int mismatch = t.scratch.slice(0, bytes).mismatch(out.slice(out.position(), bytes));
        if (mismatch >= 0) {
            unlock(t);
            fail(t, Sense.MISCOMPARE_DURING_VERIFY.withInformation(mismatch));
            return;
        }
        t.step = S_CAW_WRITE;
        t.channel().write(out.slice(out.position() + bytes, bytes), t.lba, t.blocks, t.flags, t);
    }

    private void requestSense(ScsiTask t, byte[] c) {
        boolean desc = (c[1] & 0x01) != 0;
        NexusState ns = nexusState(t.nexus());
        Sense s = ns.poll();
        byte[] data = (s == null ? Sense.NO_ADDITIONAL : s).encode(desc);
        int alloc = c[4] & 0xFF;
        respond(t, data, data.length, alloc);
    }

    private void inquiry(ScsiTask t, byte[] c) {
        boolean evpd = (c[1] & 0x01) != 0;
        int page = c[2] & 0xFF;
        int alloc = Bytes.u16(c, 3);
        if ((c[1] & 0x02) != 0 || (!evpd && page != 0)) { // CMDDT, or a page code without EVPD
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        byte[] data = evpd ? Inquiry.vpd(this, t.nexus(), page) : Inquiry.standard(this);
        if (data == null) {
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        respond(t, data, data.length, alloc);
    }

    private void readCapacity10(ScsiTask t, byte[] c) {
        if ((c[8] & 0x01) == 0 && Bytes.u32(c, 2) != 0) { // PMI 0 needs LBA 0
            fail(t, Sense.INVALID_FIELD_IN_CDB);
            return;
        }
        byte[] d = new byte[8];
        long last = bdev.blockCount() - 1;
        Bytes.put32(d, 0, last > 0xFFFFFFFFL ? 0xFFFFFFFFL : last);
        Bytes.put32(d, 4, bdev.blockSize());
        respond(t, d, 8, 8);
    }

    private void readCapacity16(ScsiTask t, byte[] c) {
        byte[] d = new byte[32];
        Bytes.put64(d, 0, bdev.blockCount() - 1);
        Bytes.put32(d, 8, bdev.blockSize());
        int physExp = 0;
        if (bdev.optimalIoBoundary() == 0 && bdev.requiredAlignment() > bdev.blockSize()) {
            physExp = Integer.numberOfTrailingZeros(bdev.requiredAlignment() / bdev.blockSize());
        }
        d[13] = (byte) (physExp & 0x0F);
        if (thin) {
            d[14] = (byte) (0x80 | (bdev.unmapReadsZeroes() ? 0x40 : 0));
        }
        respond(t, d, 32, (int) Math.min(Bytes.u32(c, 10), Integer.MAX_VALUE));
    }

    private void getLbaStatus(ScsiTask t, byte[] c) {
        long lba = Bytes.u64(c, 2);
        long alloc = Bytes.u32(c, 10);
        if (Long.compareUnsigned(lba, bdev.blockCount()) >= 0) {
            fail(t, Sense.LBA_OUT_OF_RANGE);
            return;
        }
        // the bdev API does not track allocation: one descriptor, "mapped or unknown", to the end
        byte[] d = new byte[24];
        Bytes.put32(d, 0, 20);
        Bytes.put64(d, 8, lba);
        Bytes.put32(d, 16, Math.min(bdev.blockCount() - lba, 0xFFFFFFFFL));
        d[20] = 0;
        respond(t, d, 24, (int) Math.min(alloc, Integer.MAX_VALUE));
    }

    private void reportTargetPortGroups(ScsiTask t, byte[] c) {
        boolean extended = ((c[1] >>> 5) & 0x07) == 1;
        long alloc = Bytes.u32(c, 6);
        List<PortGroup> groups = options.portGroups().get();
        int len = extended ? 8 : 4;
        for (PortGroup g : groups) {
            len += 8 + 4 * g.relativePorts().size();
        }
        byte[] d = new byte[len];
        Bytes.put32(d, 0, len - 4);
        int at = 4;
        if (extended) {
            d[4] = 0x10;
            d[5] = 0; // implicit transition time
            at = 8;
        }
        for (PortGroup g : groups) {
            d[at] = (byte) ((g.preferred() ? 0x80 : 0) | g.state().code());
            d[at + 1] = (byte) 0x8F; // T_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP
            Bytes.put16(d, at + 2, g.id());
            d[at + 5] = 0x02; // status: altered by implicit ALUA behaviour
            d[at + 7] = (byte) g.relativePorts().size();
            at += 8;
            for (int p : g.relativePorts()) {
                Bytes.put16(d, at + 2, p);
                at += 4;
            }
        }
        respond(t, d, len, (int) Math.min(alloc, Integer.MAX_VALUE));
    }

    // ------------------------------------------------------------------------------------------------ completions

    void ioComplete(ScsiTask t, IoStatus status) {
        switch (t.step) {
            case S_PASSTHROUGH -> passthroughDone(t, status);
            case S_SINGLE -> {
                if (status.isSuccess()) {
                    finish(t, ScsiStatus.GOOD, null, t.dataInLength);
                } else {
                    failIo(t, status);
                }
            }
            case S_WRITE_LOCKED -> {
                unlock(t);
                if (status.isSuccess()) {
                    good(t);
                } else {
                    failIo(t, status);
                }
            }
            case S_VERIFY_READ -> {
                if (!status.isSuccess()) {
                    failIo(t, status);
                    return;
                }
                if (t.flags == 0) {
                    good(t);
                    return;
                }
                int bs = bdev.blockSize();
                int bytes = (int) (t.blocks * bs);
                ByteBuffer out = t.dataOut();
                for (int off = 0; off < bytes; off += bs) {
                    int src = t.flags == 1 ? off : 0;
                    int m = t.scratch.slice(off, bs).mismatch(out.slice(out.position() + src, bs));
                    if (m >= 0) {
                        fail(t, Sense.MISCOMPARE_DURING_VERIFY.withInformation(off + m));
                        return;
                    }
                }
                good(t);
            }
            case S_CAW_READ -> {
                if (!status.isSuccess()) {
                    unlock(t);
                    failIo(t, status);
                    return;
                }
                t.runOnSubmitter(t);
            }
            case S_OR_READ -> {
                if (!status.isSuccess()) {
                    unlock(t);
                    failIo(t, status);
                    return;
                }
                t.runOnSubmitter(t);
            }
            case S_OR_WRITE -> {
                unlock(t);
                if (status.isSuccess()) {
                    good(t);
                } else {
                    failIo(t, status);
                }
            }
            case S_CAW_WRITE -> {
                unlock(t);
                if (status.isSuccess()) {
                    good(t);
                } else {
                    failIo(t, status);
                }
            }
            case S_WS_LOOP, S_UNMAP_LOOP -> {
                if (!status.isSuccess()) {
                    unlock(t);
                    failIo(t, status);
                    return;
                }
                boolean more = t.step == S_WS_LOOP ? t.cursor < t.lba + t.blocks
                        : t.cursor < t.aux.capacity() / 16;
                if (more) {
                    t.runOnSubmitter(t);
                } else {
                    unlock(t);
                    good(t);
                }
            }
            default -> {
                unlock(t);
                fail(t, Sense.INTERNAL_TARGET_FAILURE);
            }
        }
    }

    /** Continues a command on its submitting thread: a lock was granted or the next request is due. */
    void resume(ScsiTask t) {
        try {
            switch (t.step) {
                case S_EMULATE -> dispatch(t, t.op, t.cdb());
                case S_WRITE_LOCKED -> submitWrite(t);
                case S_CAW_LOCKED -> cawRead(t);
                case S_OR_LOCKED -> orRead(t);
                case S_OR_READ -> orMerge(t);
                case S_CAW_READ -> cawCompared(t);
                case S_WS_LOCKED, S_WS_LOOP -> writeSameNext(t);
                case S_UNMAP_LOCKED, S_UNMAP_LOOP -> unmapNext(t);
                default -> throw new IllegalStateException("resume in step " + t.step);
            }
        } catch (RuntimeException e) {
            unlock(t);
            fail(t, Sense.INTERNAL_TARGET_FAILURE);
        }
    }

    private void unlock(ScsiTask t) {
        if (t.locked) {
            t.locked = false;
            locks.release(t);
        }
    }

    int lockCount() {
        return locks.heldCount();
    }

    private void failIo(ScsiTask t, IoStatus status) {
        boolean reading = t.op == READ_6 || t.op == READ_10 || t.op == READ_12 || t.op == READ_16
                || t.step == S_VERIFY_READ || t.step == S_CAW_READ || t.step == S_OR_READ;
        switch (status) {
            case MISCOMPARE -> fail(t, Sense.MISCOMPARE_DURING_VERIFY);
            case NO_SPACE -> fail(t, Sense.SPACE_ALLOCATION_FAILED);
            case OUT_OF_RANGE -> fail(t, Sense.LBA_OUT_OF_RANGE);
            case READ_ONLY -> fail(t, Sense.WRITE_PROTECTED);
            case REMOVED -> fail(t, Sense.LUN_NOT_SUPPORTED);
            case NO_MEMORY -> finish(t, ScsiStatus.TASK_SET_FULL, null, 0);
            case ABORTED -> fail(t, new Sense(Sense.ABORTED_COMMAND, 0x00, 0x00));
            case INVALID, MISALIGNED -> fail(t, Sense.INVALID_FIELD_IN_CDB);
            case UNSUPPORTED -> fail(t, Sense.INVALID_OPCODE);
            default -> fail(t, reading ? Sense.UNRECOVERED_READ_ERROR : Sense.WRITE_ERROR);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    void respond(ScsiTask t, byte[] data, int length, int allocationLength) {
        int n = Math.max(0, Math.min(length, allocationLength));
        if (n > 0) {
            ByteBuffer b = t.dataInBuffer(n);
            b.put(0, data, 0, n);
        }
        finish(t, ScsiStatus.GOOD, null, n);
    }

    void good(ScsiTask t) {
        finish(t, ScsiStatus.GOOD, null, 0);
    }

    void fail(ScsiTask t, Sense sense) {
        t.scratch = null;
        t.aux = null;
        t.done(ScsiStatus.CHECK_CONDITION, sense, sense.encode(descriptorSense), 0);
    }

    private void finish(ScsiTask t, int status, Sense sense, int dataIn) {
        t.scratch = null;
        t.aux = null;
        t.done(status, sense, null, dataIn);
    }

    void setDescriptorSense(boolean on) {
        descriptorSense = on;
    }

    private NexusState nexusState(ScsiNexus n) {
        NexusState s = nexuses.get(n);
        if (s == null) {
            s = nexuses.computeIfAbsent(n, k -> {
                NexusState fresh = new NexusState();
                fresh.add(Sense.POWER_ON_RESET);
                return fresh;
            });
        }
        return s;
    }

    private static boolean isZero(ByteBuffer b, int from, int length) {
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            if (b.getLong(from + i) != 0) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (b.get(from + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Unit attentions pending for one nexus, oldest first. */
    private static final class NexusState {
        private final ArrayDeque<Sense> queue = new ArrayDeque<>();
        volatile boolean pending;

        synchronized void add(Sense s) {
            if (!queue.contains(s)) {
                queue.add(s);
            }
            pending = true;
        }

        synchronized Sense poll() {
            Sense s = queue.poll();
            pending = !queue.isEmpty();
            return s;
        }

        synchronized int size() {
            return queue.size();
        }
    }
}
