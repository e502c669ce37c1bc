package io.karst.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * SPC-4 persistent reservations of one logical unit: registrations per I_T nexus, the reservation and its type,
 * PERSISTENT RESERVE IN (READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL STATUS) and OUT (REGISTER,
 * REGISTER AND IGNORE EXISTING KEY, RESERVE, RELEASE, CLEAR, PREEMPT, PREEMPT AND ABORT), and the access rules
 * the reservation imposes on other commands. Registrations belong to the I_T nexus and survive its loss and
 * logical unit resets. With APTPL and a {@link Store}, the state is saved on every change and loaded at start.
 */
public final class PersistentReservations {
    public static final int WRITE_EXCLUSIVE = 1;
    public static final int EXCLUSIVE_ACCESS = 3;
    public static final int WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
    public static final int EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 6;
    public static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 7;
    public static final int EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 8;

    /** Where APTPL state is kept (e.g. a file per volume); {@code load} returns null when nothing was saved. */
    public interface Store {
        byte[] load();

        void save(byte[] state);
    }

    /** One registration: the nexus's ports and its key. */
    record Registration(String initiatorPort, String targetPort, int relativePort, long key) {
        boolean is(ScsiNexus n) {
            return initiatorPort.equals(n.initiatorPort()) && targetPort.equals(n.targetPort());
        }
    }

    private final Store store;
    private final List<Registration> registrations = new ArrayList<>();
    private int generation;
    private Registration holder;
    private int type;
    private boolean aptpl;
    private volatile boolean active;

    PersistentReservations(Store store) {
        this.store = store;
        if (store != null) {
            byte[] saved = store.load();
            if (saved != null) {
                restore(saved);
            }
        }
    }

    /** Whether any registration or reservation exists (the fast path skips all checks otherwise). */
    boolean active() {
        return active;
    }

    synchronized boolean reserved() {
        return holder != null || (type != 0);
    }

    private static boolean allRegistrants(int t) {
        return t == WRITE_EXCLUSIVE_ALL_REGISTRANTS || t == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    private Registration find(ScsiNexus n) {
        for (Registration r : registrations) {
            if (r.is(n)) {
                return r;
            }
        }
        return null;
    }

    private boolean isHolder(ScsiNexus n) {
        if (type == 0) {
            return false;
        }
        if (allRegistrants(type)) {
            return find(n) != null;
        }
        return holder != null && holder.is(n);
    }

    /**
     * Whether a command conflicts with the persistent reservation for this nexus (SPC-4 5.13.1): {@code write}
     * commands modify the medium or its state; {@code read} commands access the medium or report its state.
     */
    synchronized boolean conflicts(ScsiNexus n, boolean write, boolean read) {
        if (type == 0 || isHolder(n)) {
            return false;
        }
        boolean registered = find(n) != null;
        return switch (type) {
            case WRITE_EXCLUSIVE -> write;
            case EXCLUSIVE_ACCESS -> write || read;
            case WRITE_EXCLUSIVE_REGISTRANTS_ONLY -> !registered && write;
            case EXCLUSIVE_ACCESS_REGISTRANTS_ONLY -> !registered && (write || read);
            case WRITE_EXCLUSIVE_ALL_REGISTRANTS -> !registered && write;
            case EXCLUSIVE_ACCESS_ALL_REGISTRANTS -> !registered && (write || read);
            default -> false;
        };
    }

    // ------------------------------------------------------------------------------------------------ IN

    synchronized byte[] in(int serviceAction) {
        return switch (serviceAction) {
            case 0 -> readKeys();
            case 1 -> readReservation();
            case 2 -> reportCapabilities();
            case 3 -> readFullStatus();
            default -> null;
        };
    }

    private byte[] readKeys() {
        ByteBuffer b = ByteBuffer.allocate(8 + 8 * registrations.size());
        b.putInt(generation).putInt(8 * registrations.size());
        for (Registration r : registrations) {
            b.putLong(r.key());
        }
        return b.array();
    }

    private byte[] readReservation() {
        if (type == 0) {
            return ByteBuffer.allocate(8).putInt(generation).putInt(0).array();
        }
        ByteBuffer b = ByteBuffer.allocate(24);
        b.putInt(generation).putInt(16);
        b.putLong(allRegistrants(type) ? 0 : holder.key());
        b.putInt(0);
        b.put((byte) 0);
        b.put((byte) type); // scope 0: logical unit
        return b.array();
    }

    private byte[] reportCapabilities() {
        byte[] d = new byte[8];
        d[1] = 8;
        d[2] = (byte) (0x10 | (store != null ? 0x01 : 0)); // CRH, PTPL_C
        d[3] = (byte) (0x80 | (aptpl ? 0x01 : 0)); // TMV, PTPL_A
        d[4] = (byte) (0x80 | 0x40 | 0x20 | 0x08 | 0x02); // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
        d[5] = 0x01; // EX_AC_AR
        return d;
    }

    private byte[] readFullStatus() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Registration r : registrations) {
            byte[] tid = transportId(r.initiatorPort());
            ByteBuffer b = ByteBuffer.allocate(24 + tid.length);
            b.putLong(r.key());
            b.putInt(0);
            boolean h = type != 0 && (allRegistrants(type) || r.equals(holder));
            b.put((byte) (h ? 0x01 : 0));
            b.put((byte) (h ? type : 0));
            b.putInt(0);
            b.putShort((short) r.relativePort());
            b.putInt(tid.length);
            b.put(tid);
            o.writeBytes(b.array());
        }
        byte[] body = o.toByteArray();
        return ByteBuffer.allocate(8 + body.length).putInt(generation).putInt(body.length).put(body).array();
    }

    /** iSCSI TransportID with ISID (format 01b): the initiator port name, NUL-terminated, padded to 4. */
    private static byte[] transportId(String initiatorPort) {
        byte[] name = initiatorPort.getBytes(StandardCharsets.UTF_8);
        int len = (name.length + 1 + 3) & ~3;
        len = Math.max(len, 20);
        ByteBuffer b = ByteBuffer.allocate(4 + len);
        b.put((byte) 0x45); // format 01b, protocol identifier 5 (iSCSI)
        b.put((byte) 0);
        b.putShort((short) len);
        b.put(name);
        return b.array();
    }

    // ------------------------------------------------------------------------------------------------ OUT

    /** Result of PERSISTENT RESERVE OUT: GOOD, RESERVATION CONFLICT, or CHECK CONDITION with this sense. */
    record Outcome(int status, Sense sense) {
        static final Outcome GOOD = new Outcome(ScsiStatus.GOOD, null);
        static final Outcome CONFLICT = new Outcome(ScsiStatus.RESERVATION_CONFLICT, null);

        static Outcome check(Sense s) {
            return new Outcome(ScsiStatus.CHECK_CONDITION, s);
        }
    }

    /**
     * Executes PERSISTENT RESERVE OUT. {@code ua} is told which nexuses (by initiator and target port) get which
     * unit attention.
     */
    synchronized Outcome out(ScsiNexus n, int serviceAction, int scope, int rtype, byte[] p,
                             BiConsumer<Registration, Sense> ua) {
        long key = ByteBuffer.wrap(p).getLong(0);
        long sark = ByteBuffer.wrap(p).getLong(8);
        boolean specIpt = (p[20] & 0x08) != 0;
        boolean allTgPt = (p[20] & 0x04) != 0;
        boolean newAptpl = (p[20] & 0x01) != 0;
        if (specIpt || allTgPt) {
            return Outcome.check(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        if (newAptpl && store == null && (serviceAction == 0 || serviceAction == 6)) {
            return Outcome.check(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        Registration me = find(n);
        Outcome result;
        switch (serviceAction) {
            case 0, 6 -> { // REGISTER, REGISTER AND IGNORE EXISTING KEY
                if (me == null) {
                    if (serviceAction == 0 && key != 0) {
                        return Outcome.CONFLICT;
                    }
                    if (sark != 0) {
                        registrations.add(new Registration(n.initiatorPort(), n.targetPort(),
                                n.relativeTargetPort(), sark));
                        aptpl = newAptpl;
                    }
                    generation++;
                } else {
                    if (serviceAction == 0 && key != me.key()) {
                        return Outcome.CONFLICT;
                    }
                    if (sark == 0) {
                        unregister(me, ua);
                    } else {
                        Registration updated = new Registration(me.initiatorPort(), me.targetPort(),
                                me.relativePort(), sark);
                        registrations.set(registrations.indexOf(me), updated);
                        if (me.equals(holder)) {
                            holder = updated;
                        }
                        aptpl = newAptpl;
                    }
                    generation++;
                }
                result = Outcome.GOOD;
            }
            case 1 -> { // RESERVE
                if (me == null || key != me.key()) {
                    return Outcome.CONFLICT;
                }
                if (scope != 0 || !validType(rtype)) {
                    return Outcome.check(Sense.INVALID_FIELD_IN_CDB);
                }
                if (type == 0) {
                    type = rtype;
                    holder = allRegistrants(rtype) ? null : me;
                } else if (!isHolder(n) || type != rtype) {
                    return Outcome.CONFLICT;
                }
                result = Outcome.GOOD;
            }
            case 2 -> { // RELEASE
                if (me == null || key != me.key()) {
                    return Outcome.CONFLICT;
                }
                if (type == 0 || !isHolder(n)) {
                    return Outcome.GOOD;
                }
                if (scope != 0 || rtype != type) {
                    return Outcome.check(new Sense(Sense.ILLEGAL_REQUEST, 0x26, 0x04)); // invalid release
                }
                int old = type;
                type = 0;
                holder = null;
                if (old != WRITE_EXCLUSIVE && old != EXCLUSIVE_ACCESS) {
                    for (Registration r : registrations) {
                        if (!r.is(n)) {
                            ua.accept(r, Sense.RESERVATIONS_RELEASED);
                        }
                    }
                }
                result = Outcome.GOOD;
            }
            case 3 -> { // CLEAR
                if (me == null || key != me.key()) {
                    return Outcome.CONFLICT;
                }
                for (Registration r : registrations) {
                    if (!r.is(n)) {
                        ua.accept(r, Sense.RESERVATIONS_PREEMPTED);
                    }
                }
                registrations.clear();
                type = 0;
                holder = null;
                generation++;
                result = Outcome.GOOD;
            }
            case 4, 5 -> { // PREEMPT, PREEMPT AND ABORT
                if (me == null || key != me.key()) {
                    return Outcome.CONFLICT;
                }
                result = preempt(n, me, sark, scope, rtype, ua);
            }
            default -> {
                return Outcome.check(Sense.INVALID_FIELD_IN_CDB); // REGISTER AND MOVE, REPLACE LOST: not supported
            }
        }
        changed();
        return result;
    }

    private Outcome preempt(ScsiNexus n, Registration me, long sark, int scope, int rtype,
                            BiConsumer<Registration, Sense> ua) {
        if (type != 0 && (scope != 0 || !validType(rtype))) {
            return Outcome.check(Sense.INVALID_FIELD_IN_CDB);
        }
        if (type == 0) {
            if (sark == 0) {
                return Outcome.check(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
            }
            return removeByKey(n, sark, ua) ? bump() : Outcome.CONFLICT;
        }
        if (allRegistrants(type)) {
            if (sark == 0) {
                for (Registration r : new ArrayList<>(registrations)) {
                    if (!r.is(n)) {
                        registrations.remove(r);
                        ua.accept(r, Sense.REGISTRATIONS_PREEMPTED);
                    }
                }
                type = rtype;
                holder = allRegistrants(rtype) ? null : me;
                return bump();
            }
            return removeByKey(n, sark, ua) ? bump() : Outcome.CONFLICT;
        }
        if (sark == holder.key()) {
            removeByKey(n, sark, ua);
            type = rtype;
            holder = allRegistrants(rtype) ? null : me;
            return bump();
        }
        if (sark == 0) {
            return Outcome.check(Sense.INVALID_FIELD_IN_PARAMETER_LIST);
        }
        return removeByKey(n, sark, ua) ? bump() : Outcome.CONFLICT;
    }

    private Outcome bump() {
        generation++;
        return Outcome.GOOD;
    }

    private boolean removeByKey(ScsiNexus n, long k, BiConsumer<Registration, Sense> ua) {
        boolean any = false;
        for (Registration r : new ArrayList<>(registrations)) {
            if (r.key() == k && !r.is(n)) {
                registrations.remove(r);
                ua.accept(r, Sense.REGISTRATIONS_PREEMPTED);
                if (r.equals(holder)) {
                    holder = null;
                    type = 0;
                }
                any = true;
            }
        }
        // the preemptor's own registration with that key counts as found but is kept
        return any || (find(n) != null && find(n).key() == k);
    }

    private void unregister(Registration me, BiConsumer<Registration, Sense> ua) {
        registrations.remove(me);
        if (type != 0) {
            if (allRegistrants(type)) {
                if (registrations.isEmpty()) {
                    type = 0;
                }
            } else if (me.equals(holder)) {
                int old = type;
                type = 0;
                holder = null;
                if (old == WRITE_EXCLUSIVE_REGISTRANTS_ONLY || old == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY) {
                    for (Registration r : registrations) {
                        ua.accept(r, Sense.RESERVATIONS_RELEASED);
                    }
                }
            }
        }
    }

    private static boolean validType(int t) {
        return t == WRITE_EXCLUSIVE || t == EXCLUSIVE_ACCESS || t == WRITE_EXCLUSIVE_REGISTRANTS_ONLY
                || t == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY || t == WRITE_EXCLUSIVE_ALL_REGISTRANTS
                || t == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    private void changed() {
        active = !registrations.isEmpty() || type != 0;
        if (store != null) {
            store.save(aptpl && active ? serialize() : new byte[0]);
        }
    }

    // ------------------------------------------------------------------------------------------------ APTPL

    private byte[] serialize() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        java.io.DataOutputStream d = new java.io.DataOutputStream(o);
        try {
            d.writeInt(1); // format version
            d.writeInt(generation);
            d.writeInt(type);
            d.writeInt(holder == null ? -1 : registrations.indexOf(holder));
            d.writeInt(registrations.size());
            for (Registration r : registrations) {
                d.writeUTF(r.initiatorPort());
                d.writeUTF(r.targetPort());
                d.writeInt(r.relativePort());
                d.writeLong(r.key());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return o.toByteArray();
    }

    private void restore(byte[] b) {
        if (b.length == 0) {
            return;
        }
        try {
            java.io.DataInputStream d = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b));
            if (d.readInt() != 1) {
                return;
            }
            generation = d.readInt();
            type = d.readInt();
            int h = d.readInt();
            int n = d.readInt();
            for (int i = 0; i < n; i++) {
                registrations.add(new Registration(d.readUTF(), d.readUTF(), d.readInt(), d.readLong()));
            }
            holder = h >= 0 && h < registrations.size() ? registrations.get(h) : null;
            aptpl = true;
            active = !registrations.isEmpty() || type != 0;
        } catch (java.io.IOException | RuntimeException e) {
            registrations.clear();
            type = 0;
            holder = null;
        }
    }
}
