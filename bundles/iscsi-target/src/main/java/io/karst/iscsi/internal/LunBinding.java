package io.karst.iscsi.internal;

import io.karst.bdev.BdevDescriptor;
import io.karst.scsi.ScsiLun;

/**
 * A LUN of a target node: the number, the bdev's name, and the logical unit over the open descriptor. Closing it
 * marks the unit removed (commands then fail with LOGICAL UNIT NOT SUPPORTED) and closes the descriptor; connections
 * close their channels of it when they notice.
 */
final class LunBinding {
    final int lun;
    final String bdevName;
    final ScsiLun scsi;
    final BdevDescriptor descriptor;

    LunBinding(int lun, String bdevName, ScsiLun scsi, BdevDescriptor descriptor) {
        this.lun = lun;
        this.bdevName = bdevName;
        this.scsi = scsi;
        this.descriptor = descriptor;
    }

    boolean removed() {
        return scsi.removed();
    }

    void close() {
        scsi.markRemoved();
        descriptor.close();
    }
}
