package io.karst.scsi;

import static io.karst.scsi.Opcodes.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** The commands a logical unit implements, with their CDB usage data, for REPORT SUPPORTED OPERATION CODES. */
final class CommandTable {
    /** One supported command: opcode, service action (-1 when none) and the CDB usage bit mask. */
    record Command(int opcode, int serviceAction, byte[] usage) {
        boolean hasServiceAction() {
            return serviceAction >= 0;
        }
    }

    private static final int FF = 0xFF;

    private CommandTable() {
    }

    static List<Command> commands(ScsiLun lun) {
        List<Command> l = new ArrayList<>();
        l.add(cmd(TEST_UNIT_READY, -1, 0, 0, 0, 0, 0, 0x07));
        l.add(cmd(REQUEST_SENSE, -1, 0x01, 0, 0, FF, 0x07));
        l.add(cmd(READ_6, -1, 0x1F, FF, FF, FF, 0x07));
        l.add(cmd(WRITE_6, -1, 0x1F, FF, FF, FF, 0x07));
        l.add(cmd(INQUIRY, -1, 0x01, FF, FF, FF, 0x07));
        l.add(cmd(MODE_SELECT_6, -1, 0x11, 0, 0, FF, 0x07));
        l.add(cmd(RESERVE_6, -1, 0, 0, 0, 0, 0x07));
        l.add(cmd(RELEASE_6, -1, 0, 0, 0, 0, 0x07));
        l.add(cmd(MODE_SENSE_6, -1, 0x08, FF, FF, FF, 0x07));
        l.add(cmd(START_STOP_UNIT, -1, 0x01, 0, 0x0F, 0xF7, 0x07));
        l.add(cmd(READ_CAPACITY_10, -1, 0, FF, FF, FF, FF, 0, 0, 0x01, 0x07));
        l.add(cmd(READ_10, -1, 0xFE, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(WRITE_10, -1, 0xFA, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(WRITE_AND_VERIFY_10, -1, 0xF2, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(VERIFY_10, -1, 0xF6, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(PRE_FETCH_10, -1, 0x02, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(SYNCHRONIZE_CACHE_10, -1, 0x06, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        l.add(cmd(WRITE_SAME_10, -1, lun.thinProvisioned() ? 0xF8 : 0xF0, FF, FF, FF, FF, 0x1F, FF, FF, 0x07));
        if (lun.thinProvisioned()) {
            l.add(cmd(UNMAP, -1, 0x01, 0, 0, 0, 0, 0x1F, FF, FF, 0x07));
        }
        l.add(cmd(MODE_SELECT_10, -1, 0x11, 0, 0, 0, 0, 0, FF, FF, 0x07));
        l.add(cmd(MODE_SENSE_10, -1, 0x18, FF, FF, 0, 0, 0, FF, FF, 0x07));
        for (int sa = 0; sa <= 3; sa++) {
            l.add(cmd(PERSISTENT_RESERVE_IN, sa, sa, 0, 0, 0, 0, 0, FF, FF, 0x07));
        }
        for (int sa : new int[] {0, 1, 2, 3, 4, 5, 6}) {
            l.add(cmd(PERSISTENT_RESERVE_OUT, sa, sa, FF, 0, 0, FF, FF, FF, FF, 0x07));
        }
        l.add(cmd(READ_16, -1, 0xFE, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(COMPARE_AND_WRITE, -1, 0xFA, FF, FF, FF, FF, FF, FF, FF, FF, 0, 0, 0, FF, 0x1F, 0x07));
        l.add(cmd(WRITE_16, -1, 0xFA, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(ORWRITE_16, -1, 0xF8, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(WRITE_AND_VERIFY_16, -1, 0xF2, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(VERIFY_16, -1, 0xF6, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(PRE_FETCH_16, -1, 0x02, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(SYNCHRONIZE_CACHE_16, -1, 0x06, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(WRITE_SAME_16, -1, lun.thinProvisioned() ? 0xF9 : 0xF1, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF,
                FF, FF, 0x1F, 0x07));
        l.add(cmd(SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16, SAI_READ_CAPACITY_16, 0, 0, 0, 0, 0, 0, 0, 0, FF,
                FF, FF, FF, 0, 0x07));
        l.add(cmd(SERVICE_ACTION_IN_16, SAI_GET_LBA_STATUS, SAI_GET_LBA_STATUS, FF, FF, FF, FF, FF, FF, FF, FF,
                FF, FF, FF, FF, 0x07));
        l.add(cmd(REPORT_LUNS, -1, 0, FF, 0, 0, 0, 0, FF, FF, FF, FF, 0, 0x07));
        l.add(cmd(MAINTENANCE_IN, MI_REPORT_TARGET_PORT_GROUPS, 0xE0 | MI_REPORT_TARGET_PORT_GROUPS, 0, 0, 0, 0, 0,
                FF, FF, FF, FF, 0, 0x07));
        l.add(cmd(MAINTENANCE_IN, MI_REPORT_SUPPORTED_OPCODES, MI_REPORT_SUPPORTED_OPCODES, 0x87, FF, FF, FF, FF,
                FF, FF, FF, FF, 0, 0x07));
        l.add(cmd(READ_12, -1, 0xFE, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(WRITE_12, -1, 0xFA, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(WRITE_AND_VERIFY_12, -1, 0xF2, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        l.add(cmd(VERIFY_12, -1, 0xF6, FF, FF, FF, FF, FF, FF, FF, FF, 0x1F, 0x07));
        return l;
    }

    private static Command cmd(int opcode, int sa, int... rest) {
        // the usage data is exactly as long as the CDB; its last byte is the CONTROL byte's mask
        int length = Opcodes.cdbLength(opcode);
        byte[] u = new byte[length];
        u[0] = (byte) opcode;
        for (int i = 0; i < Math.min(rest.length - 1, length - 2); i++) {
            u[i + 1] = (byte) rest[i];
        }
        u[length - 1] = (byte) rest[rest.length - 1];
        return new Command(opcode, sa, u);
    }

    static void report(ScsiLun lun, ScsiTask t, byte[] c) {
        boolean rctd = (c[2] & 0x80) != 0;
        int options = c[2] & 0x07;
        int reqOp = c[3] & 0xFF;
        int reqSa = Bytes.u16(c, 4);
        long alloc = Bytes.u32(c, 6);
        List<Command> all = commands(lun);
        byte[] d;
        switch (options) {
            case 0 -> {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                for (Command cmd : all) {
                    byte[] e = new byte[rctd ? 20 : 8];
                    e[0] = (byte) cmd.opcode();
                    Bytes.put16(e, 2, Math.max(cmd.serviceAction(), 0));
                    e[5] = (byte) ((rctd ? 0x02 : 0) | (cmd.hasServiceAction() ? 0x01 : 0));
                    Bytes.put16(e, 6, cmd.usage().length);
                    if (rctd) {
                        timeouts(e, 8);
                    }
                    o.writeBytes(e);
                }
                byte[] body = o.toByteArray();
                d = new byte[4 + body.length];
                Bytes.put32(d, 0, body.length);
                System.arraycopy(body, 0, d, 4, body.length);
            }
            case 1, 2, 3 -> {
                Command found = null;
                boolean opKnownWithSa = false;
                for (Command cmd : all) {
                    if (cmd.opcode() != reqOp) {
                        continue;
                    }
                    if (cmd.hasServiceAction()) {
                        opKnownWithSa = true;
                        if (options != 1 && cmd.serviceAction() == reqSa) {
                            found = cmd;
                        }
                    } else if (options != 2) {
                        found = cmd;
                    }
                }
                if ((options == 1 && opKnownWithSa) || (options == 2 && found == null && !opKnownWithSa
                        && isKnownWithoutSa(all, reqOp))) {
                    // the REPORTING OPTIONS field does not fit the operation code: point at it
                    lun.fail(t, Sense.INVALID_FIELD_IN_CDB.withFieldPointer(true, 2, 2));
                    return;
                }
                int usageLen = found == null ? 0 : found.usage().length;
                d = new byte[4 + usageLen + (rctd && found != null ? 12 : 0)];
                d[1] = (byte) ((found == null ? 0x01 : 0x03) | (rctd && found != null ? 0x80 : 0));
                Bytes.put16(d, 2, usageLen);
                if (found != null) {
                    System.arraycopy(found.usage(), 0, d, 4, usageLen);
                    if (rctd) {
                        timeouts(d, 4 + usageLen);
                    }
                }
            }
            default -> {
                lun.fail(t, Sense.INVALID_FIELD_IN_CDB.withFieldPointer(true, 2, 2));
                return;
            }
        }
        lun.respond(t, d, d.length, (int) Math.min(alloc, Integer.MAX_VALUE));
    }

    private static boolean isKnownWithoutSa(List<Command> all, int op) {
        for (Command c : all) {
            if (c.opcode() == op && !c.hasServiceAction()) {
                return true;
            }
        }
        return false;
    }

    /** Command timeouts descriptor: length 0x0A, no vendor field, nominal and recommended timeouts unknown (0). */
    private static void timeouts(byte[] d, int at) {
        Bytes.put16(d, at, 0x0A);
    }
}
