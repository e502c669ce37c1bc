/**
 * SCSI block commands (SBC-3/SPC-4) emulated over any bdev.
 *
 * <p>A {@link io.karst.scsi.ScsiLun} is one logical unit over an open bdev descriptor; a transport (the iSCSI
 * target, the tcmu-runner host) hands it {@link io.karst.scsi.ScsiTask}s carrying a CDB and their data, and gets
 * back a SCSI status with sense data. Identity designators ({@link io.karst.scsi.LunIdentity}) derive from the
 * bdev's UUID only, so they are stable across restarts and identical on every gateway exporting the same volume.
 */
@Export
@Version("0.1.0")
package io.karst.scsi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
