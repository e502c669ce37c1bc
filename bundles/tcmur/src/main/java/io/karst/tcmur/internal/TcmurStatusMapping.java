package io.karst.tcmur.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.ScsiCommand;
import io.karst.tcmur.TcmuStatus;
import java.nio.ByteBuffer;

/** Handler statuses as bdev outcomes, and as SCSI status and sense data (tcmu-runner's table). */
final class TcmurStatusMapping {
    static final int NOT_READY = 0x2;
    static final int MEDIUM_ERROR = 0x3;
    static final int HARDWARE_ERROR = 0x4;
    static final int ILLEGAL_REQUEST = 0x5;
    static final int UNIT_ATTENTION = 0x6;
    static final int DATA_PROTECT = 0x7;
    static final int COPY_ABORTED = 0xa;
    static final int MISCOMPARE_KEY = 0xe;

    private TcmurStatusMapping() {
    }

    /** The outcome of a block request. */
    static IoStatus toIoStatus(int status, ByteBuffer sense) {
        return switch (status) {
            case TcmuStatus.OK -> IoStatus.SUCCESS;
            case TcmuStatus.NO_RESOURCE, TcmuStatus.BUSY -> IoStatus.NO_MEMORY;
            case TcmuStatus.RD_ERR -> IoStatus.MEDIUM_ERROR;
            case TcmuStatus.MISCOMPARE -> IoStatus.MISCOMPARE;
            case TcmuStatus.RANGE -> IoStatus.OUT_OF_RANGE;
            case TcmuStatus.INVALID_CDB, TcmuStatus.INVALID_PARAM_LIST, TcmuStatus.INVALID_PARAM_LIST_LEN ->
                    IoStatus.INVALID;
            case TcmuStatus.INVALID_CMD, TcmuStatus.NOT_HANDLED -> IoStatus.UNSUPPORTED;
            case TcmuStatus.TIMEOUT -> IoStatus.ABORTED;
            case TcmuStatus.PASSTHROUGH_ERR -> fromSense(sense);
            default -> IoStatus.FAILED;
        };
    }

    private static IoStatus fromSense(ByteBuffer sense) {
        int key = sense.get(2) & 0x0f;
        int asc = sense.get(12) & 0xff;
        return switch (key) {
            case MEDIUM_ERROR -> IoStatus.MEDIUM_ERROR;
            case MISCOMPARE_KEY -> IoStatus.MISCOMPARE;
            case DATA_PROTECT -> IoStatus.READ_ONLY;
            case ILLEGAL_REQUEST -> asc == 0x21 ? IoStatus.OUT_OF_RANGE : asc == 0x20 ? IoStatus.UNSUPPORTED
                    : IoStatus.INVALID;
            default -> IoStatus.FAILED;
        };
    }

    /** Sets a pass-through command's SCSI results; returns the bdev outcome. */
    static IoStatus toScsi(int status, ByteBuffer handlerSense, ScsiCommand c) {
        switch (status) {
            case TcmuStatus.OK:
                c.status(ScsiCommand.GOOD);
                return IoStatus.SUCCESS;
            case TcmuStatus.NOT_HANDLED:
                return IoStatus.NOT_HANDLED;
            case TcmuStatus.NO_RESOURCE:
                c.status(ScsiCommand.TASK_SET_FULL);
                return IoStatus.SUCCESS;
            case TcmuStatus.BUSY:
            case TcmuStatus.TIMEOUT:
                c.status(ScsiCommand.BUSY);
                return IoStatus.SUCCESS;
            case TcmuStatus.PASSTHROUGH_ERR:
                copySense(handlerSense, c);
                return IoStatus.SUCCESS;
            default:
                int[] ks = senseFor(status);
                c.checkCondition(ks[0], ks[1] >> 8, ks[1] & 0xff);
                return IoStatus.SUCCESS;
        }
    }

    private static void copySense(ByteBuffer from, ScsiCommand c) {
        ByteBuffer to = c.sense();
        int code = from.get(0) & 0x7f;
        int len = code == 0x72 || code == 0x73 ? 8 + (from.get(7) & 0xff) : 8 + (from.get(7) & 0xff);
        len = Math.max(18, Math.min(len, Math.min(from.capacity(), to.remaining())));
        to.put(to.position(), from, 0, len);
        c.senseLength(len);
        c.status(ScsiCommand.CHECK_CONDITION);
    }

    /** Sense key and ASC/ASCQ for a status, as tcmu-runner answers it. */
    static int[] senseFor(int status) {
        return switch (status) {
            case TcmuStatus.RANGE -> new int[]{ILLEGAL_REQUEST, 0x2100};
            case TcmuStatus.HW_ERR -> new int[]{HARDWARE_ERROR, 0x4400};
            case TcmuStatus.MISCOMPARE -> new int[]{MISCOMPARE_KEY, 0x1d00};
            case TcmuStatus.RD_ERR -> new int[]{MEDIUM_ERROR, 0x1100};
            case TcmuStatus.WR_ERR -> new int[]{MEDIUM_ERROR, 0x0c00};
            case TcmuStatus.INVALID_CDB -> new int[]{ILLEGAL_REQUEST, 0x2400};
            case TcmuStatus.INVALID_PARAM_LIST -> new int[]{ILLEGAL_REQUEST, 0x2600};
            case TcmuStatus.INVALID_PARAM_LIST_LEN -> new int[]{ILLEGAL_REQUEST, 0x1a00};
            case TcmuStatus.CAPACITY_CHANGED -> new int[]{UNIT_ATTENTION, 0x2a09};
            case TcmuStatus.TRANSITION -> new int[]{NOT_READY, 0x040a};
            case TcmuStatus.IMPL_TRANSITION_ERR -> new int[]{UNIT_ATTENTION, 0x2a07};
            case TcmuStatus.EXPL_TRANSITION_ERR -> new int[]{HARDWARE_ERROR, 0x670a};
            case TcmuStatus.FENCED -> new int[]{NOT_READY, 0x040b};
            case TcmuStatus.WR_ERR_INCOMPAT_FRMT -> new int[]{ILLEGAL_REQUEST, 0x3005};
            case TcmuStatus.NOTSUPP_SAVE_PARAMS -> new int[]{ILLEGAL_REQUEST, 0x3900};
            case TcmuStatus.FRMT_IN_PROGRESS -> new int[]{NOT_READY, 0x0404};
            case TcmuStatus.INVALID_CMD -> new int[]{ILLEGAL_REQUEST, 0x2000};
            default -> new int[]{HARDWARE_ERROR, 0x4400};
        };
    }
}
